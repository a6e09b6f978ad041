"""Campaigns: each with its funnel per step and A/B variant; start, pause, resume, open."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from outreach.i18n import N_, _, ngettext
from outreach.tui import actions
from outreach.tui.format import state_label
from outreach.tui.messages import DataChanged
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.campaign import VERB_FOR_STATE, CampaignScreen
from outreach.tui.screens.export import ExportScreen
from outreach.tui.screens.new_campaign import NewCampaignScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.funnel import FunnelTable, reply_rate
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.campaigns import CampaignSummary, campaign_summaries

STATE_STYLE = {"active": "green", "paused": "yellow", "draft": "cyan", "archived": "dim"}
LIST_COLUMNS = (
    Col(N_("campaign"), 12, 30, keep=10), Col(N_("state"), 8, 10, keep=9),
    Col(N_("sequence"), 14, 40, keep=4), Col(N_("enrolled"), 8, 11, keep=6),
    Col(N_("live"), 4, 7, keep=5), Col(N_("replied / contacted"), 19, 19, keep=8),
    Col(N_("mailboxes"), 14, 60, keep=3),
)  # fmt: skip


class CampaignList(FittedTable):
    DEFAULT_CSS = """
    CampaignList { height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(LIST_COLUMNS, id=id)

    def show(self, rows: list[CampaignSummary]) -> None:
        self.show_rows([(row.name, _list_cells(row)) for row in rows])


def _list_cells(row: CampaignSummary) -> list[object]:
    live = row.by_state.get("active", 0) + row.by_state.get("paused", 0)
    return [
        row.name,
        Text(state_label(row.state), style=STATE_STYLE.get(row.state, "")),
        ngettext("{sequence} ({count} step)", "{sequence} ({count} steps)", row.steps).format(
            sequence=row.sequence, count=row.steps
        ),
        str(row.enrolled),
        str(live),
        reply_rate(row.total),
        ", ".join(row.mailboxes),
    ]


class CampaignsScreen(DataScreen):
    """All campaigns; the highlighted one's funnel below."""

    ABOUT = N_("All campaigns; the highlighted one's funnel below.")
    BINDINGS = [
        Binding("enter", "open", N_("Open"), show=False),
        Binding("a", "create", N_("New campaign")),
        Binding("s", "start", N_("Start")),
        Binding("p", "pause", N_("Pause")),
        Binding("r", "resume", N_("Resume")),
        Binding("l", "plan", N_("Plan")),
        Binding("w", "export", N_("Export CSV")),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[CampaignSummary]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CampaignSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="campaigns-region", classes="region"):
            yield CampaignList(id="campaign-list")
        with Vertical(id="funnel-region", classes="region"):
            yield Static(id="campaign-note")
            yield FunnelTable(id="funnel")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#campaigns-region").border_title = _("Campaigns")
        self.query_one("#funnel-region").border_title = _("Funnel")

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="campaigns")
    def _load(self) -> None:
        self.post_message(self.Loaded(campaign_summaries(self.ctx.db)))

    def on_campaigns_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.query_one(CampaignList).show(self.rows)
        self._show_funnel()
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_funnel()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Start, pause and resume only where they apply; the rest only with a campaign."""
        summary = self.selected() if self.is_mounted else None
        if action in VERB_FOR_STATE:
            return summary is not None and summary.state == VERB_FOR_STATE[action]
        if action in ("open", "plan", "export"):
            return summary is not None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, CampaignList):
            self.action_open()

    def selected(self) -> CampaignSummary | None:
        tables = self.query(CampaignList)
        if not tables or not tables.first().row_count or not self.rows:
            return None
        return self.rows[min(tables.first().cursor_row, len(self.rows) - 1)]

    def _show_funnel(self) -> None:
        summary = self.selected()
        self.query_one(FunnelTable).show(summary)
        self.query_one("#campaign-note", Static).update(_note(summary))

    def action_open(self, tab: str = "enrollments") -> None:
        summary = self.selected()
        if summary is not None:
            self.app.push_screen(CampaignScreen(summary.name, tab=tab))

    def action_plan(self) -> None:
        self.action_open("plan")

    def action_create(self) -> None:
        self.app.push_screen(NewCampaignScreen(), self._created)

    def _created(self, name: str | None) -> None:
        if name:
            self.post_message(DataChanged("campaign"))

    def action_export(self) -> None:
        if (summary := self.selected()) is not None:
            self.app.push_screen(ExportScreen(summary.name))

    def action_start(self) -> None:
        summary = self.selected()
        if summary is not None and summary.state == "draft":
            self.app.push_screen(StartCampaignScreen(summary.name, summary.enrolled))

    def action_pause(self) -> None:
        summary, db = self.selected(), self.ctx.db
        if summary is not None:
            name = summary.name
            commands_of(self.app).run(lambda: actions.pause_campaign(db, name), what=_("Pause"))

    def action_resume(self) -> None:
        summary, db = self.selected(), self.ctx.db
        if summary is not None:
            name = summary.name
            commands_of(self.app).run(lambda: actions.resume_campaign(db, name), what=_("Resume"))


def _note(summary: CampaignSummary | None) -> Text:
    if summary is None:
        return Text(_("No campaigns yet: press a to create one."), style="dim")
    text = Text(f"{summary.name}: ", style="bold")
    states = ", ".join(
        f"{count} {state_label(state)}" for state, count in sorted(summary.by_state.items())
    )
    text.append(states or _("nobody enrolled"))
    text.append(
        "\n"
        + _(
            "replied, opt-outs, auto-replies: prospects, % of contacted · bounced: % of sent"
            " · waiting: live, for that step"
        ),
        style="dim",
    )
    if summary.pause_reason:
        text.append("\n" + _("paused: {why}").format(why=summary.pause_reason), style="yellow")
    if not summary.funnel:
        text.append("\n" + _("nothing sent yet"), style="dim")
    return text
