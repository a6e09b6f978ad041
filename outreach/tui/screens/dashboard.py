"""Dashboard: today per mailbox, the live send queue, replies to read, counts, the engine."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Header

from outreach.i18n import N_, _
from outreach.tui.engine_host import engine_of
from outreach.tui.messages import EngineStateChanged, InboxItemChosen
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.dashboard_regions import (
    EnginePanel,
    MailboxesToday,
    RepliesToRead,
    SendQueue,
    TodayCounts,
)
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.presence import EnginePresence, engine_presence
from outreach.views.today import Dashboard, load_dashboard

WIDE = 140


class DashboardScreen(DataScreen):
    """What is happening today."""

    ABOUT = N_("What is happening today.")

    @dataclass
    class Loaded(Message):
        dashboard: Dashboard
        presence: EnginePresence

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0
        """How many times data was shown (tests and the startup benchmark wait on it)."""
        self.engine_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top-bar"):
            yield EnginePanel(id="engine")
            yield TodayCounts(id="counts", classes="region")
        with Horizontal(id="dashboard-main"):
            with Vertical(id="dashboard-left"):
                with Vertical(id="mailboxes-region", classes="region"):
                    yield MailboxesToday(id="mailboxes")
                with Vertical(id="queue-region", classes="region"):
                    yield SendQueue(id="queue")
            with Vertical(id="attention-region", classes="region"):
                yield RepliesToRead(id="attention")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#mailboxes-region").border_title = _("Mailboxes today")
        self.query_one("#attention-region").border_title = _("Replies to read")
        self.query_one("#queue-region").border_title = _("Next sends")
        self.query_one("#counts").border_title = _("Today  (x / y: today / all)")
        self.query_one("#engine").border_title = _("Engine")
        self.set_interval(1.0, self._tick)

    def reload(self) -> None:
        self._load(running_here=engine_of(self.app).running)

    @work(thread=True, exclusive=True, group="dashboard")
    def _load(self, running_here: bool) -> None:
        now = self.ctx.now()
        dashboard = load_dashboard(self.ctx.db, now, self.ctx.tz)
        presence = engine_presence(self.ctx.db, now, running_here=running_here)
        self.post_message(self.Loaded(dashboard, presence))

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        now, tz, data = self.ctx.now(), self.ctx.tz, message.dashboard
        self.query_one(MailboxesToday).show(data.mailboxes, now)
        self.query_one(SendQueue).show(data.queue, now, tz)
        self.query_one(RepliesToRead).show(data.attention, now, tz)
        self.query_one(TodayCounts).show(data.counts, data.attention_total)
        can_run = engine_of(self.app).available
        self.query_one(EnginePanel).show(message.presence, can_run, self.engine_error)
        if self.loads == 0 and can_run and message.presence.state == "stopped":
            self._offer_engine()
        self.loads += 1

    def _offer_engine(self) -> None:
        self.notify(
            _(
                "Nothing sends from this database right now. Press ^e to run the engine in "
                "this window (it stops when you quit), or start `outreach run` elsewhere."
            ),
            title=_("Engine stopped"),
            timeout=12,
        )

    def on_engine_state_changed(self, message: EngineStateChanged) -> None:
        self.engine_error = message.error
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        """Wide: the mailboxes' states whole on the left; narrow: the replies a bit more."""
        wide = event.size.width >= WIDE
        self.query_one("#dashboard-left").styles.width = "5fr" if wide else "3fr"
        self.query_one("#attention-region").styles.width = "3fr" if wide else "2fr"

    def _tick(self) -> None:
        self.query_one(MailboxesToday).tick(self.ctx.now())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, RepliesToRead) and event.row_key.value:
            self.post_message(InboxItemChosen(int(event.row_key.value)))
