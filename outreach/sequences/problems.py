"""One finding about a sequence, and how findings become a ``ValidationFailed``.

A ``Problem`` says where (file, line, column, field path such as ``steps[1].wait``), what
is wrong and what to do. Its ``str()`` is one line a person can act on, e.g.::

    q1.yaml:12:11: steps[1].wait: '3 bizdays' is not a duration. Write e.g. 2d, 4h, ...
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from outreach.errors import ValidationFailed
from outreach.i18n import _, ngettext


@dataclass(frozen=True)
class Problem:
    """A single validation finding."""

    path: str
    """Field path inside the sequence, e.g. ``steps[1].variants[0].body``; '' for the file."""
    message: str
    """What is wrong."""
    hint: str | None = None
    """What to do about it."""
    line: int | None = None
    """1-based line in the file (or in the template when ``file`` is None)."""
    column: int | None = None
    """1-based column in the file."""
    file: str | None = None
    """File name the line refers to; None when the line is relative to a template."""
    excerpt: str | None = None
    """Optional extra lines (the offending source line and a caret)."""

    def located(self, file: str, line: int | None, column: int | None) -> Problem:
        """The same finding, placed at ``file:line:column``."""
        return replace(self, file=file, line=line, column=column)

    def __str__(self) -> str:
        return f"{self._where()}{self._what()}"

    @property
    def text(self) -> str:
        """The finding without its file, line and column: ``path: message → hint``."""
        return (f"{self.path}: " if self.path else "") + self._what()

    def _what(self) -> str:
        text = self.message
        if self.hint:
            text += f" → {self.hint}"
        if self.excerpt:
            text += "\n" + self.excerpt
        return text

    def _where(self) -> str:
        if self.file is None:
            line = " " + _("(line {line})").format(line=self.line) if self.line is not None else ""
            return f"{self.path}{line}: " if self.path or line else ""
        parts = [self.file, *(str(n) for n in (self.line, self.column) if n is not None)]
        return ":".join(parts) + ": " + (f"{self.path}: " if self.path else "")


class FieldError(ValueError):
    """A field value is wrong; raised inside pydantic validators, carries the fix as ``hint``."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class TemplateRenderError(ValidationFailed):
    """A template could not be rendered for one prospect (missing field, bad value).

    Raised by ``render_step``; the engine can catch it to set one prospect aside.
    """


def format_path(loc: Iterable[str | int]) -> str:
    """``('steps', 1, 'wait')`` → ``steps[1].wait``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The closest choice to ``word`` (case-insensitive first, then by similarity)."""
    options = list(choices)
    for option in options:
        if option.lower() == word.lower():
            return option
    by_lower = {option.lower(): option for option in options}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[close[0]] if close else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean `x`?`` or '' when nothing is close."""
    best = did_you_mean(word, choices)
    return " " + _("Did you mean `{best}`?").format(best=best) if best else ""


def problems_error(problems: Sequence[Problem], what: str) -> ValidationFailed:
    """One ``ValidationFailed`` listing every finding, one line each."""
    count = ngettext("{count} problem", "{count} problems", len(problems)).format(
        count=len(problems)
    )
    return ValidationFailed(f"{what}: {count}", [str(p) for p in problems])
