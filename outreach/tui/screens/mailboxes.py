"""Mailboxes: connection, state and ramp-up of each; add, edit, test, sign in (OAuth), pause,
resume."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Header

from outreach.i18n import N_, _
from outreach.tui import actions
from outreach.tui import format as fmt
from outreach.tui.messages import DataChanged
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.probe import ProbeScreen
from outreach.tui.screens.signin import SignInScreen
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.mailboxes import MailboxRow, MailboxSettings, mailbox_rows, mailbox_settings

COLUMNS = (
    Col(N_("mailbox"), 16, 40, keep=10), Col(N_("name"), 8, 20, keep=2),
    Col("SMTP", 14, 30, keep=4), Col("IMAP", 14, 30, keep=3), Col(N_("secret"), 7, 8, keep=1),
    Col(N_("today"), 9, 11, keep=9), Col(N_("ramp-up"), 20, 48, keep=7),
    Col(N_("state"), 10, 60, keep=8),
)  # fmt: skip


class MailboxTable(FittedTable):
    DEFAULT_CSS = """
    MailboxTable { height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)

    def show(self, rows: list[MailboxRow]) -> None:
        self.show_rows([(row.email, _cells(row)) for row in rows])


def _cells(row: MailboxRow) -> list[object]:
    state = (
        Text(_("paused: {why}").format(why=row.pause_reason or _("by hand")), style="yellow")
        if row.paused
        else Text(fmt.state_label("active"), style="green")
    )
    return [
        row.email, row.display_name, row.smtp, row.imap, row.secret_source,
        f"{row.sent_today} / {row.cap_today}", row.ramp_state, state,
    ]  # fmt: skip


class MailboxesScreen(DataScreen):
    """The rep's sending mailboxes."""

    ABOUT = N_("Your sending mailboxes.")
    BINDINGS = [
        Binding("a", "add", N_("Add")),
        Binding("e", "edit", N_("Edit")),
        Binding("t", "test", N_("Test connection")),
        Binding("p", "pause", N_("Pause")),
        Binding("r", "resume", N_("Resume")),
        Binding("g", "sign_in", N_("Sign in (OAuth)")),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[MailboxRow]

    @dataclass
    class SettingsLoaded(Message):
        settings: MailboxSettings

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MailboxRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="mailboxes-list-region", classes="region"):
            yield MailboxTable(id="mailbox-table")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#mailboxes-list-region").border_title = _("Mailboxes")

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="mailboxes")
    def _load(self) -> None:
        self.post_message(self.Loaded(mailbox_rows(self.ctx.db, self.ctx.now())))

    def on_mailboxes_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.query_one(MailboxTable).show(self.rows)
        self.refresh_bindings()

    def selected(self) -> str | None:
        tables = self.query(MailboxTable)
        if not tables or not tables.first().row_count:
            return None
        key, _column = tables.first().coordinate_to_cell_key(tables.first().cursor_coordinate)
        return key.value

    def selected_row(self) -> MailboxRow | None:
        email = self.selected() if self.is_mounted else None
        return next((row for row in self.rows if row.email == email), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pause only an active mailbox, resume only a paused one; edit/test need one."""
        row = self.selected_row()
        if action == "pause":
            return row is not None and not row.paused
        if action == "resume":
            return row is not None and row.paused
        if action in ("edit", "test"):
            return row is not None
        return True

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_add(self) -> None:
        self.app.push_screen(MailboxFormScreen(), self._saved)

    def action_edit(self) -> None:
        if email := self.selected():
            self.edit(email)

    def edit(self, email: str) -> None:
        """Open the form on one mailbox (its settings are read in a worker first)."""
        self._load_settings(email)

    @work(thread=True, exclusive=True, group="mailbox-settings")
    def _load_settings(self, email: str) -> None:
        self.post_message(self.SettingsLoaded(mailbox_settings(self.ctx.db, email)))

    def on_mailboxes_screen_settings_loaded(self, message: SettingsLoaded) -> None:
        self.app.push_screen(MailboxFormScreen(message.settings), self._saved)

    def _saved(self, email: str | None) -> None:
        if email:
            self.notify(_("mailbox {email} saved").format(email=email), title=_("Mailbox"))
            self.post_message(DataChanged("mailbox"))

    def action_test(self) -> None:
        if email := self.selected():
            self.app.push_screen(ProbeScreen(email))

    def action_sign_in(self) -> None:
        if email := self.selected():
            self.app.push_screen(SignInScreen(email), self._signed_in)

    def _signed_in(self, ok: bool | None) -> None:
        if ok:
            self.post_message(DataChanged("mailbox"))

    def action_pause(self) -> None:
        if email := self.selected():
            db = self.ctx.db
            commands_of(self.app).run(lambda: actions.pause_mailbox(db, email), what=_("Pause"))

    def action_resume(self) -> None:
        if email := self.selected():
            db = self.ctx.db
            commands_of(self.app).run(lambda: actions.resume_mailbox(db, email), what=_("Resume"))
