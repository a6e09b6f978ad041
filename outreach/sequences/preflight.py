"""Preflight over all steps and variants: template syntax and merge fields, before sending.

``check_templates`` answers "can this sequence be rendered for prospects that have these
fields?"; ``missing_fields`` answers it for one prospect.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .model import Sequence
from .problems import Problem, did_you_mean
from .render import merge_fields
from .templates import field_uses, syntax_issue
from .texts import TemplateText, sequence_texts


def check_templates(sequence: Sequence, fields_available: Iterable[str]) -> list[Problem]:
    """Preflight: syntax problems, fields used that no prospect has (with "did you mean"),
    and fallbacks that are always taken because the field name is misspelt."""
    return template_problems(sequence, set(fields_available))


def template_problems(sequence: Sequence, available: set[str] | None) -> list[Problem]:
    """Syntax problems of every template; with ``available``, field problems too.

    Lines are template lines (``Problem.file`` is None); the loader maps them to the file.
    """
    problems: list[Problem] = []
    for text in sequence_texts(sequence):
        issue = syntax_issue(text.source, html=text.html)
        if issue is not None:
            problems.append(Problem(text.path, issue.message, issue.hint, line=issue.line,
                                    column=issue.column))
        elif available is not None:
            problems += _field_problems(text, available)
    return problems


def _field_problems(text: TemplateText, available: set[str]) -> Iterator[Problem]:
    for use in field_uses(text.source):
        if use.name in available:
            continue
        best = did_you_mean(use.name, available)
        if not use.has_fallback:
            yield _unknown_field(text, use.name, use.line, best, available)
        elif best is not None:
            yield Problem(text.path, f"`{use.name}` is not a field, so its default is always "
                          "used", f"did you mean `{best}`?", line=use.line)


def _unknown_field(text: TemplateText, name: str, line: int, best: str | None,
                   available: set[str]) -> Problem:
    known = ", ".join(sorted(available)) or "none"
    hint = f"did you mean `{best}`?" if best else (
        f'use one of: {known}; or write {{{{ {name} | default("…") }}}}')
    return Problem(text.path, f"unknown merge field `{name}`", hint, line=line)


def missing_fields(sequence: Sequence,
                   prospect_fields: Mapping[str, str | None]) -> list[str]:
    """Fields some step or variant needs (without a fallback) that this prospect lacks or has
    blank, sorted; empty when every step can be rendered for the prospect."""
    context = merge_fields(prospect_fields)
    needed = {use.name for text in sequence_texts(sequence)
              for use in field_uses(text.source) if not use.has_fallback}
    return sorted(needed - set(context))
