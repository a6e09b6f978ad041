"""Prospects: a searchable, sortable table paged from the database (smooth at 100,000
rows); Enter opens a prospect's timeline."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from outreach.i18n import N_, _, ngettext
from outreach.prospects.service import ImportSummary
from outreach.tui import format as fmt
from outreach.tui.messages import DataChanged
from outreach.tui.screens import prospect_actions
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.import_prospects import ImportScreen
from outreach.tui.screens.timeline import TimelineScreen
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.common import Page
from outreach.views.prospects import (
    SORT_KEYS,
    ProspectQuery,
    ProspectRow,
    SortKey,
    search_prospects,
)

COLUMNS: tuple[tuple[str, SortKey | None, int, int, int], ...] = (
    (N_("email"), "email", 20, 40, 10),
    (N_("name"), "name", 12, 28, 8),
    (N_("company"), "company", 10, 28, 7),
    (N_("timezone"), "timezone", 10, 20, 4),
    (N_("tags"), None, 6, 20, 5),
    (N_("suppressed"), None, 10, 40, 6),
)  # label, sort key, least and most width, importance (see widgets/fit.py)
SORT_NAMES = {
    "email": N_("email"), "name": N_("name"), "company": N_("company"),
    "timezone": N_("timezone"), "created": N_("created"),
}  # fmt: skip
"""The sort keys as the rep reads them."""
DEBOUNCE = 0.25  # seconds of no typing before a search starts


class ProspectsScreen(DataScreen):
    """Every prospect, one page at a time."""

    ABOUT = N_("Every prospect, one page at a time.")
    FOLLOWS_ENGINE = False  # sends do not change the table
    BINDINGS = [
        Binding("slash", "focus_search", N_("Search")),
        Binding("down,escape", "to_rows", N_("To the rows"), show=False),
        Binding("o", "cycle_sort", N_("Order by")),
        Binding("d", "flip_order", N_("Reverse")),
        Binding("x", "suppress", N_("Suppress")),
        Binding("u", "unsuppress", N_("Unsuppress")),
        Binding("a", "add_to_campaign", N_("Add to campaign")),
        Binding("i", "import", N_("Import CSV")),
    ]

    @dataclass
    class Loaded(Message):
        query: ProspectQuery
        page: Page[ProspectRow]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = ProspectQuery()
        self.rows: dict[str, ProspectRow] = {}
        self._debounce: Timer | None = None
        self._searching = False
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=_("search address, name or company  (/)"), id="search")
        yield Static(id="prospects-status")
        yield PagedTable(id="prospects-table")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(PagedTable)
        for label, _sort, width, most, keep in COLUMNS:
            table.add_column(label, key=label, width=width, most=most, keep=keep)
        table.focus()

    def reload(self) -> None:
        """Ask for the current query; one search runs at a time (the newest wins)."""
        if self._searching:
            return  # the running search is followed by the newest query when it ends
        self._searching = True
        self._load(self.query_state)

    @work(thread=True, group="prospects")
    def _load(self, query: ProspectQuery) -> None:
        self.post_message(self.Loaded(query, search_prospects(self.ctx.db, query)))

    def on_prospects_screen_loaded(self, message: Loaded) -> None:
        if message.query != self.query_state:
            self._load(self.query_state)  # the user changed the query meanwhile
            return
        self._searching = False
        page = message.page
        self.rows = {row.email: row for row in page.rows}
        self.query_one(PagedTable).show_rows(
            [(row.email, _cells(row)) for row in page.rows],
            has_next=page.has_next,
            has_previous=page.has_previous,
        )
        self.query_one("#prospects-status", Static).update(_status(message.query, page))
        self.loads += 1

    def _ask(self, **changes: object) -> None:
        self.query_state = replace(self.query_state, **changes)  # type: ignore[arg-type]
        self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(DEBOUNCE, lambda: self._search(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search now; the focus stays in the field (Down goes to the rows)."""
        if self._debounce is not None:
            self._debounce.stop()
        self._search(event.value)

    def action_to_rows(self) -> None:
        self.query_one(PagedTable).focus()

    def _search(self, text: str) -> None:
        if text.strip() != self.query_state.search:
            self.query_one(PagedTable).reset_cursor()
            self._ask(search=text.strip(), offset=0)

    def on_paged_table_page_requested(self, event: PagedTable.PageRequested) -> None:
        query = self.query_state
        self._ask(offset=max(0, query.offset + event.delta * query.limit))

    def on_paged_table_header_selected(self, event: PagedTable.HeaderSelected) -> None:
        key = {label: sort for label, sort, *_rest in COLUMNS}.get(event.column)
        if key is not None:
            flip = key == self.query_state.sort and not self.query_state.descending
            self.query_one(PagedTable).reset_cursor()
            self._ask(sort=key, descending=flip, offset=0)

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        row = self.rows.get(event.key)
        if row is not None:
            self.app.push_screen(TimelineScreen(row.id, row.email))

    def action_import(self) -> None:
        self.app.push_screen(ImportScreen(), self._imported)

    def _imported(self, summary: ImportSummary | None) -> None:
        if summary is not None:
            self.post_message(DataChanged("import"))

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_cycle_sort(self) -> None:
        following = SORT_KEYS[(SORT_KEYS.index(self.query_state.sort) + 1) % len(SORT_KEYS)]
        self.query_one(PagedTable).reset_cursor()
        self._ask(sort=following, offset=0)

    def action_flip_order(self) -> None:
        self.query_one(PagedTable).reset_cursor()
        self._ask(descending=not self.query_state.descending, offset=0)

    def current_email(self) -> str | None:
        return self.query_one(PagedTable).highlighted_key()

    def action_suppress(self) -> None:
        if email := self.current_email():
            prospect_actions.suppress(self.app, email)

    def action_unsuppress(self) -> None:
        if email := self.current_email():
            prospect_actions.unsuppress(self.app, email)

    def action_add_to_campaign(self) -> None:
        if email := self.current_email():
            prospect_actions.add_to_campaign(self.app, email)


def _cells(row: ProspectRow) -> list[object]:
    suppressed = Text(row.suppressed, style="red") if row.suppressed else ""
    return [row.email, row.name, row.company, row.timezone, ", ".join(row.tags), suppressed]


def _status(query: ProspectQuery, page: Page[ProspectRow]) -> Text:
    arrow = "↓" if query.descending else "↑"
    text = Text(ngettext(
        "{first}–{last} of {total} prospect", "{first}–{last} of {total} prospects", page.total,
    ).format(first=fmt.number(page.first), last=fmt.number(page.last),
             total=fmt.number(page.total)), style="bold")  # fmt: skip
    order = _(SORT_NAMES.get(query.sort, query.sort))
    text.append("   " + _("order: {column} {arrow}").format(column=order, arrow=arrow))
    if query.search:
        text.append("   " + _("matching “{search}”").format(search=query.search), style="cyan")
    text.append("   " + _("n/b: next/previous page"), style="dim")
    return text
