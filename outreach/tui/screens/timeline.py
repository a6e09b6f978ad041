"""One prospect: who, where enrolled, and the timeline of what was sent and answered."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from outreach.i18n import N_, _
from outreach.tui.screens import prospect_actions
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.timeline import card, entries
from outreach.views.prospects import ProspectRow, prospect_by_email
from outreach.views.timeline import Timeline, prospect_timeline


class TimelineScreen(DataScreen):
    """Pushed from Prospects; Escape goes back."""

    ABOUT = N_("Pushed from Prospects; Escape goes back.")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("x", "suppress", N_("Suppress")),
        Binding("u", "unsuppress", N_("Unsuppress")),
        Binding("a", "add_to_campaign", N_("Add to campaign")),
    ]

    @dataclass
    class Loaded(Message):
        prospect: ProspectRow | None
        timeline: Timeline

    def __init__(self, prospect_id: int, email: str) -> None:
        super().__init__()
        self.prospect_id = prospect_id
        self.email = email

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="prospect-card", classes="region")
        with VerticalScroll(id="timeline-region", classes="region"):
            yield Static(id="timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = self.email
        self.query_one("#prospect-card").border_title = _("Prospect")
        self.query_one("#timeline-region").border_title = _("Timeline")

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="timeline")
    def _load(self) -> None:
        timeline = prospect_timeline(self.ctx.db, self.prospect_id)
        self.post_message(self.Loaded(prospect_by_email(self.ctx.db, self.email), timeline))

    def on_timeline_screen_loaded(self, message: Loaded) -> None:
        summary = card(message.prospect, message.timeline, self.ctx.tz)
        self.query_one("#prospect-card", Static).update(summary)
        rendered = entries(message.timeline, self.ctx.tz, self.ctx.now())
        self.query_one("#timeline", Static).update(rendered)

    def action_suppress(self) -> None:
        prospect_actions.suppress(self.app, self.email)

    def action_unsuppress(self) -> None:
        prospect_actions.unsuppress(self.app, self.email)

    def action_add_to_campaign(self) -> None:
        prospect_actions.add_to_campaign(self.app, self.email)
