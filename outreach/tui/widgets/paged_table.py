"""A light table for one page of a long result (Line API: each row is one cached strip).

Only one page of rows exists at a time; moving past the last row (or the first) posts
:class:`PagedTable.PageRequested` and the screen loads that page from the database. Rows
are rendered once per page, not cell by cell on every repaint, so paging and searching
at 100,000 prospects never holds up typing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from outreach.i18n import N_
from outreach.tui.bindings import Translated
from outreach.tui.widgets.fit import Col, fit, natural_widths

GAP = 2  # spaces between two columns


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    index: int
    """Its place in a row's cells."""


class PagedTable(ScrollView, Translated, can_focus=True):
    """Rows of one page under a fixed header; a row cursor; ``n``/``b`` change the page."""

    COMPONENT_CLASSES = {"paged-table--header", "paged-table--cursor", "paged-table--odd"}
    DEFAULT_CSS = """
    PagedTable { height: 1fr; background: $surface; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--odd { background: $surface-lighten-1; }
    PagedTable > .paged-table--cursor { background: $block-cursor-blurred-background; }
    PagedTable:focus > .paged-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", N_("Up"), show=False),
        Binding("down", "cursor(1)", N_("Down"), show=False),
        Binding("pageup", "cursor_page(-1)", N_("Page up"), show=False),
        Binding("pagedown", "cursor_page(1)", N_("Page down"), show=False),
        Binding("home", "cursor_to(0)", N_("First"), show=False),
        Binding("end", "cursor_to(-1)", N_("Last"), show=False),
        Binding("enter", "select", N_("Open"), show=False),
        Binding("n", "page(1)", N_("Next page")),
        Binding("b", "page(-1)", N_("Prev page")),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)

    @dataclass
    class PageRequested(Message):
        """The user moved past the page's edge: ``delta`` is +1 or -1."""

        table: PagedTable
        delta: int

    @dataclass
    class RowHighlighted(Message):
        table: PagedTable
        key: str

    @dataclass
    class RowSelected(Message):
        table: PagedTable
        key: str

    @dataclass
    class HeaderSelected(Message):
        table: PagedTable
        column: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.specs: list[Col] = []
        self.columns: list[Column] = []
        """The columns shown now (those that fit the width: see :mod:`.fit`)."""
        self.keys: list[str] = []
        self.cells: list[list[Text]] = []
        self._strips: dict[int, Strip] = {}
        self.has_next = False
        self.has_previous = False
        self._land: int | None = None
        """Where the cursor lands on the next rows: 0 first, -1 last, None where it was."""

    # -- content ------------------------------------------------------------------

    def add_column(
        self, label: str, *, key: str | None = None, width: int = 12, most: int | None = None,
        keep: int = 5,
        short: str | None = None,
    ) -> None:
        """A column of at least ``width``, growing up to ``most`` while space is free; the
        lower its ``keep``, the sooner it goes when space is short."""
        self.specs.append(Col(label, width, most or width, keep, key, short))
        self._refit()

    def on_resize(self, _event: events.Resize) -> None:
        self._refit()

    def _refit(self) -> None:
        available = max(self.scrollable_content_region.width or self.size.width, 1)
        natural = natural_widths(self.specs, self.cells)
        fitted = fit(self.specs, natural, available, GAP)
        columns = [Column(f.col.id, f.col.label, f.width, f.index) for f in fitted]
        if columns != self.columns:
            self.columns = columns
            self._strips.clear()
            self._resize()
            self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def show_rows(
        self, rows: list[tuple[str, list[object]]], *, has_next: bool, has_previous: bool
    ) -> None:
        """Replace the rows (``(key, cells)`` each), keeping the cursor where it makes sense."""
        last = max(len(rows) - 1, 0)
        target = {None: self._same_row(rows, last), 0: 0, -1: last}[self._land]
        self._land = None
        self.keys = [key for key, _ in rows]
        self.cells = [[_text(cell) for cell in cells] for _, cells in rows]
        self._strips.clear()
        self.has_next, self.has_previous = has_next, has_previous
        self._refit()
        self._resize()
        self.cursor_row = min(target, last)
        self.refresh()

    def _same_row(self, rows: list[tuple[str, list[object]]], last: int) -> int:
        """On a refresh, the row of the key under the cursor (new rows may come first)."""
        key = self.highlighted_key()
        keys = [k for k, _ in rows]
        return keys.index(key) if key in keys else min(self.cursor_row, last)

    def get_row_at(self, index: int) -> list[str]:
        """The cells of one row as plain text."""
        return [cell.plain for cell in self.cells[index]]

    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor (None when empty)."""
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None

    def reset_cursor(self) -> None:
        """A new search or order: the next rows start at the top."""
        self._land = 0

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = max(0, min(row, len(self.keys) - 1))

    def _resize(self) -> None:
        width = sum(c.width for c in self.columns) + GAP * len(self.columns)
        self.virtual_size = Size(width, len(self.keys) + 1)

    # -- the cursor -----------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._strips.pop(old, None)
        self._strips.pop(new, None)
        self._scroll_to_cursor()
        self.refresh()
        if 0 <= new < len(self.keys):
            self.post_message(self.RowHighlighted(self, self.keys[new]))

    def _scroll_to_cursor(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        target = self.cursor_row + step
        if target >= len(self.keys):
            self.action_page(1)
        elif target < 0:
            self.action_page(-1)
        else:
            self.cursor_row = target

    def action_cursor_page(self, direction: int) -> None:
        step = max(self.scrollable_content_region.height - 1, 1)
        at_edge = self.cursor_row == (len(self.keys) - 1 if direction > 0 else 0)
        if at_edge:
            self.action_page(direction)
        else:
            self.move_cursor(row=self.cursor_row + direction * step)

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self.keys) - 1)

    def action_select(self) -> None:
        if key := self.highlighted_key():
            self.post_message(self.RowSelected(self, key))

    def action_page(self, delta: int) -> None:
        if (delta > 0 and self.has_next) or (delta < 0 and self.has_previous):
            self._land = 0 if delta > 0 else -1
            self.post_message(self.PageRequested(self, delta))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x + round(self.scroll_x))
            if column is not None:
                self.post_message(self.HeaderSelected(self, column.key))
            return
        row = round(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.keys):
            if row == self.cursor_row:
                self.action_select()
            self.cursor_row = row

    def _column_at(self, x: int) -> Column | None:
        start = 0
        for column in self.columns:
            if start <= x < start + column.width + GAP:
                return column
            start += column.width + GAP
        return None

    # -- rendering (one cached strip per row) -----------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            strip = self._header()
        else:
            strip = self._row(scroll_y + y - 1)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _header(self) -> Strip:
        style = self.get_component_rich_style("paged-table--header")
        widths = {column.index: column.width for column in self.columns}
        cells = [Text(spec.header(widths.get(i, 0))) for i, spec in enumerate(self.specs)]
        return self._strip(cells, style)

    def _row(self, index: int) -> Strip:
        if not 0 <= index < len(self.keys):
            return Strip.blank(self.virtual_size.width, self.rich_style)
        cached = self._strips.get(index)
        if cached is None:
            cached = self._strips[index] = self._strip(self.cells[index], self._row_style(index))
        return cached

    def _row_style(self, index: int) -> Style:
        if index == self.cursor_row:
            return self.get_component_rich_style("paged-table--cursor")
        if index % 2:
            return self.get_component_rich_style("paged-table--odd")
        return self.rich_style

    def _strip(self, cells: list[Text], style: Style) -> Strip:
        line = Text(style=style, end="", no_wrap=True)
        for column in self.columns:
            cell = cells[column.index] if column.index < len(cells) else Text("")
            shown = cell.copy()
            shown.truncate(column.width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(shown)
            line.append(" " * (GAP - 1))
        segments: list[Segment] = list(line.render(_CONSOLE))
        return Strip(segments).adjust_cell_length(self.virtual_size.width, style)


def _text(cell: object) -> Text:
    """A cell as Rich text: a ``str`` is shown as typed (never read as markup)."""
    return cell if isinstance(cell, Text) else Text(str(cell))


_CONSOLE = Console(width=10_000, color_system="truecolor", legacy_windows=False)
