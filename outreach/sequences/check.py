"""Checking one sequence file, the same way for ``outreach sequence check`` and the TUI.

Errors are ``Problem``s at ``file:line:column``: YAML, keys and values, step rules, template
syntax, and merge fields checked against ``KnownFields`` (a field that is not known and has
no fallback is an error, with a did-you-mean when one is close). Warnings flag a pace no
human keeps; they come only for a sequence without errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from outreach.errors import ValidationFailed
from outreach.i18n import N_, _, ngettext

from .durations import wait_label
from .loader import sequence_findings
from .model import Sequence, Step, Wait
from .pace_warnings import pace_warnings
from .preflight import KnownFields
from .problems import Problem, problems_error
from .yamlsource import YamlDocument, read_bounded


@dataclass(frozen=True)
class SequenceReport:
    """What checking one sequence file found."""

    path: Path
    """The file as it was named to the check (problems carry it as their ``file``)."""
    source: str
    """The file's text; '' when it cannot be read."""
    sequence: Sequence | None
    """The sequence, when the file has no errors."""
    problems: tuple[Problem, ...] = ()
    """Every error, in file order."""
    warnings: tuple[str, ...] = ()
    """Pace warnings of a valid sequence."""
    document: YamlDocument | None = None
    """The parsed file (positions of keys and values), when it is readable YAML."""

    @property
    def ok(self) -> bool:
        """True when the file is a sequence without errors."""
        return self.sequence is not None and not self.problems

    def error(self) -> ValidationFailed:
        """The errors as one ``ValidationFailed``, one line per problem."""
        return problems_error(
            self.problems, _("{file} is not a valid sequence").format(file=self.path)
        )


def check_sequence_file(path: Path, known: KnownFields) -> SequenceReport:
    """Validate the file at ``path``, its merge fields against ``known``."""
    try:
        source = read_bounded(path)
    except (OSError, UnicodeDecodeError) as error:
        unreadable = Problem("", _("cannot read sequence file: {error}").format(error=error),
                             _("check the path and that the file is UTF-8 text"), file=str(path))
        return SequenceReport(path, "", None, (unreadable,))
    sequence, problems, document = sequence_findings(source, str(path), known)
    if sequence is None or problems:
        return SequenceReport(path, source, None, tuple(problems), document=document)
    return SequenceReport(path, source, sequence, warnings=tuple(pace_warnings(sequence)),
                          document=document)


def step_summary(sequence: Sequence) -> list[str]:
    """One line per step: ``step 2 after 3 business days: reply in thread, 2 variants``."""
    return [_step_line(step) for step in sequence.steps]


def stop_summary(sequence: Sequence) -> str:
    """What a reply does: ``a reply stops; not now: pause until the day named (else 90d)…``."""
    stop = sequence.stop
    if not stop.on_reply:
        return _("a reply does not stop the follow-ups")
    parts = [_("a reply stops the follow-ups")]
    if stop.not_now == "resume":
        default = wait_label(Wait(stop.not_now_default))
        parts.append(
            _('"not now" pauses them until the day named (else {default}), then goes on').format(
                default=default
            )
        )
    if stop.referral == "propose":
        parts.append(_("a colleague named is proposed, enrolled when you confirm"))
    return "; ".join(parts)


def _step_line(step: Step) -> str:
    when = "" if step.when is None else _(", only when {when}").format(when=step.when.describe())
    if step.task is not None:
        kind = _("{task} task, due within {days}").format(
            task=task_label(step.task.kind), days=wait_label(step.task.due_within))
        if step.task.continue_on_reply:
            kind += _(", goes on after a reply")
    else:
        kind = _("new thread") if step.new_thread else _("reply in thread")
        if len(step.variants) > 1:
            kind += ", " + ngettext("{count} variant", "{count} variants",
                                    len(step.variants)).format(count=len(step.variants))
    kind += when
    if step.index == 0:
        return _("step {number}: {kind}").format(number=1, kind=kind)
    return _("step {number} after {wait}: {kind}").format(
        number=step.index + 1, wait=wait_label(step.wait), kind=kind
    )


TASK_LABELS = {"call": N_("call"), "linkedin": N_("LinkedIn"), "custom": N_("custom")}
"""A task kind as the rep reads it (translated where shown)."""


def task_label(kind: str) -> str:
    """``call`` → "call" (or "Anruf"): the task kind in the rep's language."""
    return _(TASK_LABELS.get(kind, kind))
