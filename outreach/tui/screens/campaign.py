"""One campaign: its enrollments (filtered by state, paged) and its plan (the projected
schedule, computed by the engine's own rules; nothing is sent)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Select, Static, TabbedContent, TabPane

from outreach import wording
from outreach.campaigns.plan import PlanRow, plan_campaign
from outreach.i18n import N_, _, ngettext
from outreach.tui import actions
from outreach.tui import format as fmt
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.export import ExportScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.campaigns import (
    ENROLLMENT_STATES,
    EnrollmentRow,
    campaign_state,
    enrollment_page,
)
from outreach.views.common import Page

PAGE = 200
ENROLLMENT_COLUMNS = (
    (N_("prospect"), 20, 36, 10), (N_("name"), 10, 24, 5), (N_("state"), 9, 12, 9),
    (N_("reason"), 12, 40, 7), (N_("sent"), 4, 9, 6), (N_("next due"), 10, 16, 8),
    (N_("mailbox"), 14, 30, 3),
)  # label, least and most width, importance (see widgets/fit.py)  # fmt: skip
SHORT = {"sent": N_("no. sent")}
"""Headers for a column narrower than its label (a language with longer words)."""
PLAN_COLUMNS = (
    Col(N_("when (here)"), 20, 22, keep=10), Col(N_("prospect's time"), 12, 20, keep=5),
    Col(N_("timezone"), 10, 20, keep=4), Col(N_("prospect"), 20, 36, keep=9),
    Col(N_("step"), 4, 7, keep=8), Col(N_("mailbox"), 14, 30, keep=6),
)  # fmt: skip
VERB_FOR_STATE = {"start": "draft", "pause": "active", "resume": "paused"}
"""Which campaign state each verb applies to (it is offered only there)."""
PLAN_DAYS = 14
PLAN_ROWS = 500


class CampaignScreen(DataScreen):
    """Pushed from Campaigns; Escape goes back."""

    ABOUT = N_("Pushed from Campaigns; Escape goes back.")
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("f", "focus_filter", N_("Enrollments/filter")),
        Binding("l", "show_plan", N_("Plan")),
        Binding("s", "start", N_("Start")),
        Binding("p", "pause", N_("Pause")),
        Binding("r", "resume", N_("Resume")),
        Binding("w", "export", N_("Export CSV")),
    ]

    @dataclass
    class StateLoaded(Message):
        state: str | None

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
        """The enrollment state the list is filtered by (None: all)."""
        self.campaign_state: str | None = None
        self.page_offset = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.tab):
            with TabPane(_("Enrollments"), id="enrollments"):
                yield Select(_filter_options(), value="all", allow_blank=False, id="state-filter")
                yield Static(id="enrollments-status")
                yield PagedTable(id="enrollments-table")
            with TabPane(_("Plan"), id="plan"):
                yield Static(id="plan-status")
                yield FittedTable(PLAN_COLUMNS, id="plan-table")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = _("campaign {name}").format(name=self.campaign)
        table = self.query_one(PagedTable)
        for label, width, most, keep in ENROLLMENT_COLUMNS:
            table.add_column(label, key=label, width=width, most=most, keep=keep,
                             short=SHORT.get(label))
        self.action_replan()
        (self.query_one("#plan-table") if self.tab == "plan" else table).focus()

    def reload(self) -> None:
        """Enrollments follow every change; the plan (costly at scale) only on ``l``."""
        self._load_enrollments(self.state, self.page_offset)
        self._load_state()

    @work(thread=True, exclusive=True, group="campaign-state")
    def _load_state(self) -> None:
        self.post_message(self.StateLoaded(campaign_state(self.ctx.db, self.campaign)))

    def on_campaign_screen_state_loaded(self, message: StateLoaded) -> None:
        self.campaign_state = message.state
        self.sub_title = fmt.state_label(message.state)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Start, pause and resume only where they apply to this campaign."""
        if action in VERB_FOR_STATE:
            return self.campaign_state == VERB_FOR_STATE[action]
        return True

    def action_replan(self) -> None:
        self.query_one("#plan-status", Static).update(_("computing the plan …"))
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
                    fmt.state_label(row.state),
                    wording.reason(row.reason) if row.reason else "",
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
        which = fmt.state_label(self.state) if self.state else _("all states")
        status = ngettext(
            "{first}–{last} of {total} enrollment ({which})",
            "{first}–{last} of {total} enrollments ({which})",
            page.total,
        ).format(
            first=fmt.number(page.first), last=fmt.number(page.last),
            total=fmt.number(page.total), which=which,
        )  # fmt: skip
        self.query_one("#enrollments-status", Static).update(Text(status))

    def on_campaign_screen_plan_loaded(self, message: PlanLoaded) -> None:
        rows = [(str(n), plan_cells(row, self.ctx.tz)) for n, row in enumerate(message.rows)]
        self.query_one("#plan-table", FittedTable).show_rows(rows[:PLAN_ROWS])
        shown = min(len(message.rows), PLAN_ROWS)
        status = ngettext(
            "{count} send in the next {days} days (showing {shown}); nothing is sent from here",
            "{count} sends in the next {days} days (showing {shown}); nothing is sent from here",
            len(message.rows),
        ).format(count=fmt.number(len(message.rows)), days=PLAN_DAYS, shown=fmt.number(shown))
        self.query_one("#plan-status", Static).update(status)

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

    def action_show_plan(self) -> None:
        """The Plan tab, computed afresh."""
        self.query_one(TabbedContent).active = "plan"
        self.query_one("#plan-table").focus()
        self.action_replan()

    def action_back(self) -> None:
        """Esc leaves a field first (the filter), then goes back to Campaigns."""
        if isinstance(self.focused, Select):
            self.query_one(PagedTable).focus()
        else:
            self.app.pop_screen()

    def action_start(self) -> None:
        if self.campaign_state == "draft":
            self.app.push_screen(StartCampaignScreen(self.campaign))

    def action_export(self) -> None:
        self.app.push_screen(ExportScreen(self.campaign))

    def action_pause(self) -> None:
        db, name = self.ctx.db, self.campaign
        commands_of(self.app).run(lambda: actions.pause_campaign(db, name), what=_("Pause"))

    def action_resume(self) -> None:
        db, name = self.ctx.db, self.campaign
        commands_of(self.app).run(lambda: actions.resume_campaign(db, name), what=_("Resume"))


def plan_cells(row: PlanRow, tz: ZoneInfo) -> list[object]:
    """One projected send: when here, when for the prospect, where, who, which step, from."""
    here = row.at.astimezone(tz)
    when = f"{fmt.dated(here, 'weekday')} {here:%Y-%m-%d %H:%M}"
    return [when, row.local_time, row.timezone, row.email, str(row.step), row.mailbox]


def _filter_options() -> list[tuple[str, str]]:
    return [
        (_("all states"), "all"),
        *((fmt.state_label(state), state) for state in ENROLLMENT_STATES),
    ]
