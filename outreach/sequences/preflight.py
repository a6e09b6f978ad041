"""Preflight over all steps and variants: template syntax and merge fields, before sending.

``check_templates`` answers "can this sequence be rendered for prospects that have these
fields?"; ``missing_fields`` answers it for one prospect. ``KnownFields`` is what a check
without a prospect in hand knows: the standard fields, the custom columns prospects have,
and the other names a CSV header gives a standard field (``Firma`` → ``company``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from outreach.i18n import _

from .model import Sequence
from .problems import Problem, did_you_mean
from .render import STANDARD_FIELDS, merge_fields
from .templates import FieldUse, field_uses, syntax_issue
from .texts import TemplateText, sequence_texts


@dataclass(frozen=True)
class KnownFields:
    """The merge fields a template may read without a fallback, and other names for them."""

    names: frozenset[str]
    """Every field prospects have: the standard ones plus custom CSV columns."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Squashed other name → standard field (``firma`` → ``company``), for did-you-mean."""

    @classmethod
    def of(cls, custom: Iterable[str] = (),
           aliases: Mapping[str, Iterable[str]] | None = None) -> KnownFields:
        """The standard fields plus ``custom`` columns; ``aliases`` maps a standard field to
        the other names a CSV header may give it (``company`` → ``firma``, …)."""
        index = {_squash(alias): name for name, names in (aliases or {}).items()
                 for alias in names}
        return cls(frozenset(STANDARD_FIELDS) | frozenset(custom), index)

    def suggestion(self, name: str) -> str | None:
        """The known field ``name`` most likely means: same spelling in another case, a
        standard field's other name, else the closest spelling."""
        return (did_you_mean(name, self.names, cutoff=1.0)
                or self.aliases.get(_squash(name))
                or did_you_mean(name, self.names))


def _squash(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def check_templates(sequence: Sequence, fields_available: Iterable[str]) -> list[Problem]:
    """Preflight: syntax problems, fields used that no prospect has (with "did you mean"),
    and fallbacks that are always taken because the field name is misspelt."""
    return template_problems(sequence, KnownFields(frozenset(fields_available)))


def template_problems(sequence: Sequence, known: KnownFields | None) -> list[Problem]:
    """Syntax problems of every template; with ``known``, field problems too.

    Lines are template lines (``Problem.file`` is None); the loader maps them to the file.
    """
    problems: list[Problem] = []
    for text in sequence_texts(sequence):
        issue = syntax_issue(text.source, html=text.html)
        if issue is not None:
            problems.append(Problem(text.path, issue.message, issue.hint, line=issue.line,
                                    column=issue.column))
        elif known is not None:
            problems += _field_problems(text, known)
    return problems


def _field_problems(text: TemplateText, known: KnownFields) -> Iterator[Problem]:
    for use in field_uses(text.source):
        if use.name in known.names:
            continue
        best = known.suggestion(use.name)
        column = _column(text.source, use)
        if not use.has_fallback:
            hint = (_("did you mean `{best}`?").format(best=best) if best
                    else _known_list(use.name, known.names))
            yield Problem(text.path, _("unknown merge field `{name}`").format(name=use.name),
                          hint, line=use.line, column=column)
        elif best is not None:
            yield Problem(text.path, _("`{name}` is not a field, so its default is always "
                          "used").format(name=use.name),
                          _("did you mean `{best}`?").format(best=best),
                          line=use.line, column=column)


def _known_list(name: str, available: frozenset[str]) -> str:
    return _("known fields: {fields}; a custom field needs prospects imported with that "
             "column, else write {expression}").format(
        fields=", ".join(sorted(available)), expression=f'{{{{ {name} | default("…") }}}}'
    )


def _column(source: str, use: FieldUse) -> int | None:
    """1-based column of the first ``use.name`` on its template line (Jinja gives no column)."""
    lines = source.splitlines()
    if use.line > len(lines):
        return None
    found = re.search(rf"(?<![\w.]){re.escape(use.name)}\b", lines[use.line - 1])
    return found.start() + 1 if found else None


def missing_fields(sequence: Sequence,
                   prospect_fields: Mapping[str, str | None]) -> list[str]:
    """Fields some step or variant needs (without a fallback) that this prospect lacks or has
    blank, sorted; empty when every step can be rendered for the prospect."""
    context = merge_fields(prospect_fields)
    needed = {use.name for text in sequence_texts(sequence)
              for use in field_uses(text.source) if not use.has_fallback}
    return sorted(needed - set(context))
