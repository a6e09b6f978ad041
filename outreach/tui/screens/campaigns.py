"""Campaigns: each with its funnel per step and A/B variant; start, pause, resume, open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from outreach.tui import actions
from outreach.tui import format as fmt
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.campaign import CampaignScreen
from outreach.tui.screens.pickers import ConfirmScreen
from outreach.tui.widgets.funnel import FunnelTable, reply_rate
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.campaigns import CampaignSummary, campaign_summaries

STATE_STYLE = {"active": "green", "paused": "yellow", "draft": "cyan", "archived": "dim"}
LIST_COLUMNS = (
    ("campaign", 20), ("state", 8), ("sequence", 30), ("enrolled", 8), ("live", 6),
    ("replied / contacted", 19), ("mailboxes", 30),
)  # fmt: skip


class CampaignList(DataTable[Any]):
    DEFAULT_CSS = """
    CampaignList { height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for label, width in LIST_COLUMNS:
            self.add_column(label, key=label, width=width)

    def show(self, rows: list[CampaignSummary]) -> None:
        keep = self.cursor_row
        self.clear()
        for row in rows:
            live = row.by_state.get("active", 0) + row.by_state.get("paused", 0)
            cells = fmt.plain(
                row.name,
                Text(row.state, style=STATE_STYLE.get(row.state, "")),
                f"{row.sequence} ({row.steps} steps)",
                str(row.enrolled),
                str(live),
                reply_rate(row.total),
                ", ".join(row.mailboxes),
            )
            self.add_row(*cells, key=row.name)
        if rows:
            self.move_cursor(row=min(keep, len(rows) - 1), animate=False)


class CampaignsScreen(DataScreen):
    """All campaigns; the highlighted one's funnel below."""

    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("s", "start", "Start"),
        Binding("p", "pause", "Pause"),
        Binding("r", "resume", "Resume"),
        Binding("l", "plan", "Plan"),
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
        self.query_one("#campaigns-region").border_title = "Campaigns"
        self.query_one("#funnel-region").border_title = "Funnel"

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="campaigns")
    def _load(self) -> None:
        self.post_message(self.Loaded(campaign_summaries(self.ctx.db)))

    def on_campaigns_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.query_one(CampaignList).show(self.rows)
        self._show_funnel()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_funnel()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, CampaignList):
            self.action_open()

    def selected(self) -> CampaignSummary | None:
        table = self.query_one(CampaignList)
        if not table.row_count or not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

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

    def action_start(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        question = (
            f"Start campaign {summary.name}? The first email to {summary.enrolled} "
            "prospect(s) is queued and goes out at human pace."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.start(summary.name)

        self.app.push_screen(ConfirmScreen(question, yes="Start"), answered)

    def start(self, name: str) -> None:
        db, now = self.ctx.db, self.ctx.now()
        commands_of(self.app).run(lambda: actions.start_campaign(db, name, now), what="Start")

    def action_pause(self) -> None:
        summary, db = self.selected(), self.ctx.db
        if summary is not None:
            name = summary.name
            commands_of(self.app).run(lambda: actions.pause_campaign(db, name), what="Pause")

    def action_resume(self) -> None:
        summary, db = self.selected(), self.ctx.db
        if summary is not None:
            name = summary.name
            commands_of(self.app).run(lambda: actions.resume_campaign(db, name), what="Resume")


def _note(summary: CampaignSummary | None) -> Text:
    if summary is None:
        return Text("No campaigns yet: create one with `outreach campaign create`.", style="dim")
    text = Text(f"{summary.name}: ", style="bold")
    states = ", ".join(f"{count} {state}" for state, count in sorted(summary.by_state.items()))
    text.append(states or "nobody enrolled")
    text.append(
        "\nreplied, opt-outs, auto-replies: prospects, % of contacted · bounced: % of sent"
        " · waiting: live, for that step",
        style="dim",
    )
    if summary.pause_reason:
        text.append(f"\npaused: {summary.pause_reason}", style="yellow")
    if not summary.funnel:
        text.append("\nnothing sent yet", style="dim")
    return text
