"""Column priorities: which columns a table shows in the width it has, and how wide.

Each column says the least width at which it still says something, the most it ever
wants, and how important it is. When space is short the least important columns go
first; what is left gets its least width, then the spare space goes to the most
important columns first, up to what their cells need. So a wide terminal cuts nothing
that fits, and a narrow one keeps subjects, states and campaigns (ellipsised only when
even their least width is all there is). An optional column (``keep`` of 4 or less) also
goes when that spares a more important column its ellipsis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from outreach.i18n import _


@dataclass(frozen=True)
class Col:
    """One column a table may show."""

    label: str
    """The header (``N_()``-marked English; shown in the rep's language, also its id)."""
    width: int
    """The least width that still says something (cells beyond it are ellipsised)."""
    most: int = 60
    """The widest it ever grows, even with space to spare."""
    keep: int = 5
    """Importance: when space is short, lower ones are dropped first (ties: the rightmost)."""
    key: str | None = None
    short: str | None = None
    """The header when the column is narrower than its label."""

    @property
    def id(self) -> str:
        return self.key or self.label

    @property
    def shown(self) -> str:
        """The header in the rep's language."""
        return _(self.label)

    def header(self, width: int) -> str:
        shown = self.shown
        return _(self.short) if self.short and cell_len(shown) > width else shown


@dataclass(frozen=True)
class Fitted:
    """A column as shown: its place in the full row, and its width now."""

    index: int
    col: Col
    width: int


def natural_widths(cols: Sequence[Col], rows: Iterable[Sequence[object]]) -> list[int]:
    """What each column's cells (and header) need, at least ``width``, at most ``most``."""
    need = [max(cell_len(c.shown), c.width) for c in cols]
    for row in rows:
        for i, cell in enumerate(row[: len(cols)]):
            need[i] = max(need[i], _cell_width(cell))
    return [min(max(n, c.width), max(c.most, c.width)) for n, c in zip(need, cols, strict=True)]


OPTIONAL = 4
"""Columns this unimportant make way for a more important one that would be cut."""


def fit(cols: Sequence[Col], natural: Sequence[int], available: int, pad: int) -> list[Fitted]:
    """The columns to show in ``available`` cells (``pad`` around each), in their order."""
    dropped: set[int] = set()
    while True:
        fitted = _fit(cols, natural, available, pad, dropped)
        cut = _cut(fitted, natural)
        optional = [f for f in fitted if f.col.keep <= OPTIONAL and cut and f.col.keep < max(cut)]
        if not optional:
            break
        dropped.add(min(optional, key=lambda f: (f.col.keep, -f.index)).index)
    for i in sorted(dropped, key=lambda i: (-cols[i].keep, i)):  # back where room is left
        trial = _fit(cols, natural, available, pad, dropped - {i})
        if all(keep <= cols[i].keep for keep in _cut(trial, natural)) and i in _indexes(trial):
            dropped.discard(i)
            fitted = trial
    return fitted


def _cut(fitted: list[Fitted], natural: Sequence[int]) -> list[int]:
    """The importance of each column shown narrower than its cells need."""
    return [f.col.keep for f in fitted if f.width < natural[f.index]]


def _indexes(fitted: list[Fitted]) -> set[int]:
    return {f.index for f in fitted}


def _fit(
    cols: Sequence[Col], natural: Sequence[int], available: int, pad: int, dropped: set[int]
) -> list[Fitted]:
    order = sorted(range(len(cols)), key=lambda i: (-cols[i].keep, i))
    shown: list[int] = []
    used = 0
    for i in order:
        if i in dropped:
            continue
        if used + cols[i].width + pad <= available or not shown:
            shown.append(i)
            used += cols[i].width + pad
    widths = {i: cols[i].width for i in shown}
    spare = available - used
    for i in sorted(shown, key=lambda i: (-cols[i].keep, i)):
        grow = max(0, min(natural[i] - widths[i], spare))
        widths[i] += grow
        spare -= grow
    return [Fitted(i, cols[i], widths[i]) for i in sorted(shown)]


def _cell_width(cell: object) -> int:
    if isinstance(cell, Text):
        return max((cell_len(line) for line in cell.plain.splitlines()), default=0)
    return cell_len(str(cell))


def cut(cell: object, width: int) -> Text:
    """A cell as one line of ``width`` at most, ellipsised when longer."""
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.no_wrap = True
    text.overflow = "ellipsis"
    text.truncate(width, overflow="ellipsis")
    return text
