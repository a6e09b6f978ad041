"""Loading a sequence file: YAML → validated document → frozen ``Sequence``.

Every finding becomes one line ``file:line:column: field.path: what → how to fix``, and
all findings of a file are reported together in one ``ValidationFailed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from outreach.errors import ValidationFailed
from outreach.i18n import N_, _

from .convert import build_sequence, condition_of, first_email_index
from .durations import parse_wait
from .locate import locate
from .model import Sequence
from .preflight import KnownFields, template_problems
from .problems import Problem, problems_error
from .pydantic_errors import pydantic_problems
from .schema import SequenceDoc, StepDoc
from .yamlsource import YamlDocument, parse_yaml, read_bounded


def load_sequence(path: Path | str, *, fields: Iterable[str] | None = None) -> Sequence:
    """Load and fully validate a sequence file.

    With ``fields`` (the merge fields prospects will have), templates are also checked for
    unknown fields. Raises ``ValidationFailed`` listing every problem.
    """
    path = Path(path)
    try:
        text = read_bounded(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            _("cannot read sequence file {file}: {error}").format(file=path, error=error),
            hint=_("check the path and that the file is UTF-8 text"),
        ) from error
    return load_sequence_text(text, str(path), fields=fields)


def load_sequence_text(text: str, filename: str = "<sequence>", *,
                       fields: Iterable[str] | None = None) -> Sequence:
    """Like ``load_sequence`` for YAML already in memory; ``filename`` names it in errors."""
    document = parse_yaml(text, filename)
    if isinstance(document, Problem):
        raise problems_error([document], _("{file} is not valid YAML").format(file=filename))
    known = KnownFields(frozenset(fields)) if fields is not None else None
    sequence = _validated(document, text, filename, known)
    if sequence is None or document.problems:
        raise problems_error(_in_file_order(document.problems),
                             _("{file} is not a valid sequence").format(file=filename))
    return sequence


def sequence_findings(
    text: str, filename: str, known: KnownFields | None
) -> tuple[Sequence | None, list[Problem], YamlDocument | None]:
    """The sequence in ``text`` (None when it cannot be built), every problem of it in file
    order, each at ``filename:line:column`` (merge fields checked against ``known`` when
    given), and the parsed document (None when the YAML cannot be read), whose positions
    place later findings (the content lint) without parsing the file again."""
    document = parse_yaml(text, filename)
    if isinstance(document, Problem):
        return None, [document], None
    sequence = _validated(document, text, filename, known)
    return sequence, _in_file_order(document.problems), document


def load_sequence_data(data: Any, source: str = "<data>", *,
                       fields: Iterable[str] | None = None) -> Sequence:
    """Validate already-parsed data (e.g. a JSON snapshot) into a ``Sequence``."""
    document = YamlDocument(data=data)
    known = KnownFields(frozenset(fields)) if fields is not None else None
    sequence = _validated(document, "", source, known)
    if sequence is None or document.problems:
        raise problems_error(
            document.problems, _("{file} is not a valid sequence").format(file=source)
        )
    return sequence


def _validated(document: YamlDocument, text: str, filename: str,
               known: KnownFields | None) -> Sequence | None:
    """Validate in stages; findings go to ``document.problems``; a stage whose input is
    broken is skipped so one mistake is not reported three times."""
    found = document.problems
    try:
        doc = SequenceDoc.model_validate(_mapping_root(document.data))
    except ValidationError as error:
        found += [locate(problem, document, text, filename, at_key=at_key)
                  for problem, at_key in pydantic_problems(error)]
        return None
    except _NotAMapping as error:
        found.append(Problem("", str(error), _(error.hint), line=1, column=1, file=filename))
        return None
    found += [locate(p, document, text, filename) for p in step_problems(doc)]
    sequence = build_sequence(doc)
    found += [locate(p, document, text, filename)
              for p in template_problems(sequence, known)]
    return sequence


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


class _NotAMapping(ValueError):
    hint = N_("a sequence file is a mapping with at least `name:` and `steps:`; "
              "start from an example: `outreach sequence new --example en > q1.yaml`")


def _mapping_root(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _NotAMapping(
            _("the file is empty") if data is None else _("the file is not a mapping")
        )
    return data


def step_problems(doc: SequenceDoc) -> list[Problem]:
    """Rules that span steps: the first email, follow-ups, subjects, threads, and the
    conditions that could never hold where they stand."""
    problems = _first_step_problems(doc.steps[0])
    first_email = first_email_index(doc)
    if first_email == len(doc.steps):
        problems.append(Problem("steps", _("the sequence has no email step"),
                                _("add an email (subject: and body:) before or among the "
                                  "tasks")))
    elif first_email > 0:
        problems += _first_email_problems(first_email, doc.steps[first_email])
    for index, step in enumerate(doc.steps[first_email + 1:], start=first_email + 1):
        if step.task is None:
            problems += _follow_up_problems(index, step)
    return problems + condition_problems(doc)


def condition_problems(doc: SequenceDoc) -> list[Problem]:
    """``when:`` conditions that can never hold: a task outcome before any task, anything
    but no_reply on the first step, what the stop policy ends before the step is reached."""
    problems: list[Problem] = []
    for index, step in enumerate(doc.steps):
        when = condition_of(step.when)
        if when is None:
            continue
        path = f"steps[{index}].when"
        about = when.describe()
        if index == 0 and when.kind != "no_reply":
            problems.append(Problem(path, _("`{when}` can never hold on the first step: nothing "
                                            "was sent yet").format(when=about),
                                    _("remove when: from the first step")))
        elif when.kind == "task" and not any(s.task for s in doc.steps[:index]):
            problems.append(Problem(path, _("`{when}` can never hold: no task step comes before "
                                            "this one").format(when=about),
                                    _("move this step after a task step, or remove when:")))
        elif when.kind == "intent" and doc.stop.on_reply and doc.stop.not_now != "resume":
            problems.append(Problem(path, _("`{when}` can never hold: a \"not now\" reply ends "
                                            "the sequence (stop.not_now: stop)").format(
                                                when=about),
                                    _("set stop.not_now: resume, or remove when:")))
        elif when.kind == "auto_reply" and doc.stop.on_auto_reply is True:
            problems.append(Problem(path, _("`{when}` can never hold: an out-of-office ends the "
                                            "sequence (stop.on_auto_reply: true)").format(
                                                when=about),
                                    _("set stop.on_auto_reply: pause or false, or remove "
                                      "when:")))
    return problems


def _first_email_problems(index: int, step: StepDoc) -> list[Problem]:
    """The first email after one or more tasks opens the thread: it needs a subject."""
    return [Problem(path, _("the first email needs a subject"),
                    _('add subject: "…" (later emails may leave it out to reply in the thread)'))
            for path, subject in _subjects(index, step) if subject is None]


def _subjects(index: int, step: StepDoc) -> list[tuple[str, str | None]]:
    """(path, subject) for the step itself or each of its variants."""
    if step.variants is None:
        return [(f"steps[{index}]", step.subject)]
    return [(f"steps[{index}].variants[{i}]", v.subject) for i, v in enumerate(step.variants)]


def _first_step_problems(step: StepDoc) -> list[Problem]:
    problems = [] if step.task is not None else [
        Problem(path, _("the first email needs a subject"),
                _('add subject: "…" (follow-ups may leave it out to reply in the thread)'))
        for path, subject in _subjects(0, step) if subject is None]
    if not parse_wait(step.wait).is_zero:
        problems.append(Problem("steps[0].wait", _("the first email cannot wait"),
                                _("remove wait from the first step: the campaign start decides")))
    return problems


def _follow_up_problems(index: int, step: StepDoc) -> list[Problem]:
    problems = []
    for path, subject in _subjects(index, step):
        if step.new_thread and subject is None:
            problems.append(Problem(path, _("new_thread: true needs a fresh subject"),
                                    _('add subject: "…", or remove new_thread to reply in the '
                                      "thread")))
        if not step.new_thread and subject is not None:
            problems.append(Problem(f"{path}.subject", _("a follow-up with a subject must say "
                                    "new_thread: true"), _("remove subject to reply in the thread "
                                    '("Re: …"), or add new_thread: true')))
    return problems
