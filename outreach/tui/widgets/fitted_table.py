"""A DataTable that shows the columns its width allows (see :mod:`.fit`).

Rows are kept whole (``full_rows``); on every resize or new rows the columns are fitted
again and the table rebuilt (these tables hold a few hundred rows at most).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events
from textual.widgets import DataTable

from outreach.tui.widgets.fit import Col, Fitted, cut, fit, natural_widths

Row = tuple[str, Sequence[object]]


class FittedTable(DataTable[Any]):
    """Rows of ``(key, cells)``; only the columns that fit are shown."""

    def __init__(
        self, cols: Sequence[Col], *, id: str | None = None, cursor_type: str = "row"
    ) -> None:
        super().__init__(id=id, cursor_type=cursor_type, zebra_stripes=True)  # type: ignore[arg-type]
        self.cols = tuple(cols)
        self.rows_shown: list[tuple[str, list[object]]] = []
        self.fitted: list[Fitted] = []

    def on_mount(self) -> None:
        self._relayout()

    def on_resize(self, _event: events.Resize) -> None:
        self._relayout()

    def show_rows(self, rows: Sequence[Row]) -> None:
        """Replace the rows, keeping the cursor on the same row number."""
        self.rows_shown = [(key, list(cells)) for key, cells in rows]
        self._relayout(force=True)

    def full_rows(self) -> list[list[str]]:
        """Every row with every column (shown or not), as plain text."""
        return [[_plain(c) for c in cells] for _, cells in self.rows_shown]

    def shown_labels(self) -> list[str]:
        return [f.col.label for f in self.fitted]

    def set_cell(self, key: str, column: str, value: object) -> None:
        """Change one cell (kept even while its column is not shown)."""
        index = next(i for i, c in enumerate(self.cols) if c.id == column)
        for row_key, cells in self.rows_shown:
            if row_key == key:
                cells[index] = value
        for f in self.fitted:
            if f.index == index:
                self.update_cell(key, column, cut(value, f.width))

    def _available(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        return max(width, 1)

    def _relayout(self, force: bool = False) -> None:
        natural = natural_widths(self.cols, (cells for _, cells in self.rows_shown))
        fitted = fit(self.cols, natural, self._available(), 2 * self.cell_padding)
        if fitted == self.fitted and not force:
            return
        keep = self.cursor_row
        self.fitted = fitted
        self.clear(columns=True)
        for f in fitted:
            self.add_column(f.col.header(f.width), key=f.col.id, width=f.width)
        for key, cells in self.rows_shown:
            self.add_row(*(cut(cells[f.index], f.width) for f in fitted), key=key)
        if self.rows_shown and self.cursor_type != "none":
            self.move_cursor(row=min(keep, len(self.rows_shown) - 1), animate=False)


def _plain(cell: object) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)
