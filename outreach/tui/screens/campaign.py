"""One campaign: its enrollments (filtered by state, paged) and its plan (the projected
schedule, computed by the engine's own rules; nothing is sent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Header, Select, Static, TabbedContent, TabPane

from outreach.campaigns.plan import PlanRow, plan_campaign
from outreach.tui import actions
from outreach.tui import format as fmt
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.campaigns import ENROLLMENT_STATES, EnrollmentRow, enrollment_page
from outreach.views.common import Page

PAGE = 200
ENROLLMENT_COLUMNS = (
    ("prospect", 32), ("name", 22), ("state", 12), ("reason", 30), ("sent", 4),
    ("next due", 16), ("mailbox", 26),
)  # fmt: skip
PLAN_COLUMNS = (
    ("when (here)", 20), ("prospect's time", 20), ("timezone", 16), ("prospect", 30),
    ("step", 4), ("mailbox", 26),
)  # fmt: skip
PLAN_DAYS = 14
PLAN_ROWS = 500


class CampaignScreen(DataScreen):
    """Pushed from Campaigns; Escape goes back."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "focus_filter", "Filter"),
        Binding("p", "pause", "Pause"),
        Binding("r", "resume", "Resume"),
        Binding("l", "replan", "Re-plan"),
    ]

    @dataclass
    class EnrollmentsLoaded(Message):
        page: Page[EnrollmentRow]

    @dataclass
    class PlanLoaded(Message):
        rows: list[PlanRow]

    def __init__(self, name: str, tab: str = "enrollments") -> None:
        super().__init__()
        self.campaign = name
        self.tab = tab
        self.state: str | None = None
        self.page_offset = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.tab):
            with TabPane("Enrollments", id="enrollments"):
                yield Select(_filter_options(), value="all", allow_blank=False, id="state-filter")
                yield Static(id="enrollments-status")
                yield PagedTable(id="enrollments-table")
            with TabPane("Plan", id="plan"):
                yield Static(id="plan-status")
                yield DataTable[Any](id="plan-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = f"campaign {self.campaign}"
        table = self.query_one(PagedTable)
        for label, width in ENROLLMENT_COLUMNS:
            table.add_column(label, key=label, width=width)
        plan = self.query_one("#plan-table", DataTable)
        for label, width in PLAN_COLUMNS:
            plan.add_column(label, key=label, width=width)
        self.action_replan()

    def reload(self) -> None:
        """Enrollments follow every change; the plan (costly at scale) only on ``l``."""
        self._load_enrollments(self.state, self.page_offset)

    def action_replan(self) -> None:
        self.query_one("#plan-status", Static).update("computing the plan …")
        self._load_plan()

    @work(thread=True, exclusive=True, group="campaign-enrollments")
    def _load_enrollments(self, state: str | None, offset: int) -> None:
        page = enrollment_page(self.ctx.db, self.campaign, state=state, offset=offset, limit=PAGE)
        self.post_message(self.EnrollmentsLoaded(page))

    @work(thread=True, exclusive=True, group="campaign-plan")
    def _load_plan(self) -> None:
        rows = plan_campaign(self.ctx.db, self.campaign, days=PLAN_DAYS, now=self.ctx.now())
        self.post_message(self.PlanLoaded(rows))

    def on_campaign_screen_enrollments_loaded(self, message: EnrollmentsLoaded) -> None:
        page, now, tz = message.page, self.ctx.now(), self.ctx.tz
        rows: list[tuple[str, list[object]]] = [
            (
                row.email,
                [
                    row.email,
                    row.name,
                    row.state,
                    row.reason or "",
                    str(row.steps_sent),
                    fmt.local(row.next_due_at, tz, now),
                    row.mailbox or "",
                ],
            )  # fmt: skip
            for row in page.rows
        ]
        self.query_one(PagedTable).show_rows(
            rows, has_next=page.has_next, has_previous=page.has_previous
        )
        which = self.state or "all states"
        status = f"{page.first}–{page.last} of {page.total} enrollments ({which})"
        self.query_one("#enrollments-status", Static).update(Text(status))

    def on_campaign_screen_plan_loaded(self, message: PlanLoaded) -> None:
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        for n, row in enumerate(message.rows[:PLAN_ROWS]):
            when = row.at.astimezone(self.ctx.tz).strftime("%a %Y-%m-%d %H:%M")
            cells = fmt.plain(
                when, row.local_time, row.timezone, row.email, str(row.step), row.mailbox
            )
            table.add_row(*cells, key=str(n))
        shown = min(len(message.rows), PLAN_ROWS)
        status = f"{len(message.rows)} sends in the next {PLAN_DAYS} days (showing {shown})"
        self.query_one("#plan-status", Static).update(status + "; nothing is sent from here")

    def on_select_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        self.state = None if value == "all" else value
        self.page_offset = 0
        self.query_one(PagedTable).reset_cursor()
        self._load_enrollments(self.state, self.page_offset)

    def on_paged_table_page_requested(self, event: PagedTable.PageRequested) -> None:
        self.page_offset = max(0, self.page_offset + event.delta * PAGE)
        self._load_enrollments(self.state, self.page_offset)

    def action_focus_filter(self) -> None:
        self.query_one(TabbedContent).active = "enrollments"
        self.query_one(Select).focus()

    def action_pause(self) -> None:
        db, name = self.ctx.db, self.campaign
        commands_of(self.app).run(lambda: actions.pause_campaign(db, name), what="Pause")

    def action_resume(self) -> None:
        db, name = self.ctx.db, self.campaign
        commands_of(self.app).run(lambda: actions.resume_campaign(db, name), what="Resume")


def _filter_options() -> list[tuple[str, str]]:
    return [("all states", "all"), *((state, state) for state in ENROLLMENT_STATES)]
