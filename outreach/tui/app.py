"""The app: six views as modes, the engine host, and navigation for the palette.

Thin on purpose: screens read and command through :mod:`outreach.views` and the services;
the app only routes — engine reports to the visible screen, palette entries to screens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from outreach.i18n import N_, _
from outreach.tui import actions
from outreach.tui.bindings import Translated
from outreach.tui.commands import OutreachCommands
from outreach.tui.context import TuiContext
from outreach.tui.engine_host import EngineHost
from outreach.tui.messages import (
    DataChanged,
    EngineReported,
    EngineStateChanged,
    InboundClassified,
    InboxItemChosen,
    ReplyDetected,
    StepSent,
)
from outreach.tui.runner import CommandRunner
from outreach.tui.screens.campaign import CampaignScreen
from outreach.tui.screens.campaigns import CampaignsScreen
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.export import ExportScreen
from outreach.tui.screens.help import HelpScreen, help_text
from outreach.tui.screens.import_prospects import ImportScreen
from outreach.tui.screens.inbox import InboxScreen
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.mailboxes import MailboxesScreen
from outreach.tui.screens.new_campaign import NewCampaignScreen
from outreach.tui.screens.probe import ProbeScreen
from outreach.tui.screens.prospects import ProspectsScreen
from outreach.tui.screens.sequences import SequencesScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.screens.tasks import TasksScreen
from outreach.tui.screens.timeline import TimelineScreen
from outreach.tui.themes import THEMES, other_theme
from outreach.views.presence import EnginePresence

VIEWS = (
    ("dashboard", N_("Dashboard"), DashboardScreen),
    ("campaigns", N_("Campaigns"), CampaignsScreen),
    ("prospects", N_("Prospects"), ProspectsScreen),
    ("inbox", N_("Inbox"), InboxScreen),
    ("sequences", N_("Sequences"), SequencesScreen),
    ("mailboxes", N_("Mailboxes"), MailboxesScreen),
)
SYSTEM_COMMANDS = (
    N_("Theme"), N_("Change the current theme"), N_("Quit"),
    N_("Quit the application as soon as possible"), N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"), N_("Maximize"),
    N_("Maximize the focused widget"), N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)  # fmt: skip
"""Textual's own palette entries, in our catalog so they are translated too."""

TASKS_VIEW = ("tasks", N_("Tasks"), TasksScreen)
"""Key 7 (not in the key bar's "1–6 views"): the rep's task list; a count on the dashboard."""


class OutreachApp(App[None], Translated):
    """A sales rep's cockpit."""

    TITLE = "outreach"
    CSS_PATH = "outreach.tcss"
    MODES: ClassVar = {mode: screen for mode, _title, screen in (*VIEWS, TASKS_VIEW)}
    DEFAULT_MODE = "dashboard"
    COMMANDS = App.COMMANDS | {OutreachCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"switch_mode('{mode}')", title)
            for n, (mode, title, _screen) in enumerate(VIEWS, 1)
        ),
        Binding("7", "switch_mode('tasks')", N_("Tasks"), show=False),
        Binding("question_mark,f1", "help", N_("Help")),
        Binding("ctrl+e", "toggle_engine", N_("Engine run/stop"), key_display="^e"),
        Binding("ctrl+t", "toggle_theme", N_("Theme"), show=False),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
    ]

    def __init__(self, context: TuiContext, theme: str = "outreach-dark") -> None:
        super().__init__()
        self.context = context
        self.engine = EngineHost(self, context.db, context.engine_factory)
        self.commands = CommandRunner(self)
        for custom in THEMES:
            self.register_theme(custom)
        self.theme = theme

    def on_mount(self) -> None:
        self.sub_title = _("a sales rep's cockpit")
        if self.context.start_engine:
            self.engine.start()

    # -- the engine ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer "run engine" only when it can start, "stop engine" only when it runs."""
        if action == "run_engine":
            return self.engine.available and not self.engine.running
        if action == "stop_engine":
            return self.engine.running
        if action == "toggle_engine":
            return self.engine.available or self.engine.running
        return True

    async def action_toggle_engine(self) -> None:
        """^e: run the engine here when it is stopped, stop it when it runs."""
        if self.engine.running:
            await self.action_stop_engine()
        else:
            self.action_run_engine()

    def action_run_engine(self) -> None:
        if not self.engine.available:
            self.notify(
                _("this window was opened without an engine (--no-engine)"), severity="warning"
            )
        elif self.engine.start():
            self.notify(_("the engine runs in this window until you quit or press ^e"))

    async def action_stop_engine(self) -> None:
        if self.engine.running:
            await self.engine.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != EngineHost.GROUP:
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            error = str(event.worker.error) if event.worker.error else None
            presence = EnginePresence("stopped", _("the engine of this window stopped"))
            self._forward(EngineStateChanged(presence, error))

    async def action_quit(self) -> None:
        await self.engine.stop()
        self.exit()

    # -- engine reports go to the visible screen -----------------------------------

    def _forward(self, message: Message) -> None:
        self.screen.post_message(message)

    def on_step_sent(self, message: StepSent) -> None:
        self._forward(replace(message))

    def on_reply_detected(self, message: ReplyDetected) -> None:
        self.notify(f"{message.sender}: {message.subject}", title=_("Reply"), timeout=8)
        self._forward(replace(message))

    def on_inbound_classified(self, message: InboundClassified) -> None:
        self._forward(replace(message))

    def on_engine_reported(self, message: EngineReported) -> None:
        self._forward(replace(message))

    def on_engine_state_changed(self, message: EngineStateChanged) -> None:
        self.refresh_bindings()
        self._forward(replace(message))

    # -- navigation (keys and the palette) -----------------------------------------

    def action_help(self) -> None:
        views: list[tuple[str, type[Screen[Any]]]] = [(_(t), s) for _mode, t, s in VIEWS]
        views += [(_("Tasks"), TasksScreen),
                  (_("A campaign (Enter on Campaigns)"), CampaignScreen),
                  (_("A prospect (Enter on Prospects)"), TimelineScreen)]
        self.push_screen(HelpScreen(help_text(self.BINDINGS, views)))

    def action_command_palette(self) -> None:
        """ctrl+p: the palette, its search field in the rep's language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = _("Search for commands…")
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette entries (theme, quit, keys …) in the rep's language."""
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    def action_toggle_theme(self) -> None:
        self.theme = other_theme(self.current_theme.dark)

    async def on_inbox_item_chosen(self, message: InboxItemChosen) -> None:
        await self.switch_mode("inbox")
        if isinstance(self.screen, InboxScreen):
            self.screen.show_message(message.inbound_id)

    async def replies_to_read(self) -> None:
        await self.switch_mode("inbox")
        if isinstance(self.screen, InboxScreen):
            self.screen.show_filter("attention")

    async def search_prospects(self) -> None:
        await self.switch_mode("prospects")
        if isinstance(self.screen, ProspectsScreen):
            self.screen.action_focus_search()

    async def open_campaign(self, name: str, tab: str) -> None:
        await self.switch_mode("campaigns")
        self.push_screen(CampaignScreen(name, tab=tab))

    def campaign_command(self, name: str, verb: str) -> None:
        if verb == "start":  # as `campaign start`: the address check first, then the start
            self.push_screen(StartCampaignScreen(name))
            return
        db = self.context.db
        command = {
            "pause": lambda: actions.pause_campaign(db, name),
            "resume": lambda: actions.resume_campaign(db, name),
        }[verb]
        what = {"pause": _("Pause"), "resume": _("Resume")}[verb]
        self.commands.run(command, what=what)

    def mailbox_command(self, email: str, verb: str) -> None:
        db = self.context.db
        if verb == "pause":
            self.commands.run(lambda: actions.pause_mailbox(db, email), what=_("Pause"))
        else:
            self.commands.run(lambda: actions.resume_mailbox(db, email), what=_("Resume"))

    async def new_campaign(self) -> None:
        await self.switch_mode("campaigns")
        self.push_screen(NewCampaignScreen())

    async def import_prospects(self) -> None:
        await self.switch_mode("prospects")
        self.push_screen(ImportScreen(), self._imported)

    def _imported(self, _summary: object) -> None:
        self.screen.post_message(DataChanged("import"))

    async def export_campaign(self, name: str) -> None:
        await self.switch_mode("campaigns")
        self.push_screen(ExportScreen(name))

    async def add_mailbox(self) -> None:
        await self.switch_mode("mailboxes")
        self.push_screen(MailboxFormScreen())

    async def edit_mailbox(self, email: str) -> None:
        await self.switch_mode("mailboxes")
        if isinstance(self.screen, MailboxesScreen):
            self.screen.edit(email)

    async def test_mailbox(self, email: str) -> None:
        await self.switch_mode("mailboxes")
        self.push_screen(ProbeScreen(email))

    async def open_sequence(self, path: Path, edit: bool) -> None:
        await self.switch_mode("sequences")
        if isinstance(self.screen, SequencesScreen):
            self.screen.choose(path)
            if edit:
                self.screen.action_edit()
