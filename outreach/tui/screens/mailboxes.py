"""Mailboxes: connection, state and ramp-up of each; add, edit, test, sign in (OAuth), pause,
resume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Header

from outreach.tui import actions
from outreach.tui import format as fmt
from outreach.tui.messages import DataChanged
from outreach.tui.runner import commands_of
from outreach.tui.screens.base import DataScreen
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.probe import ProbeScreen
from outreach.tui.screens.signin import SignInScreen
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.mailboxes import MailboxRow, MailboxSettings, mailbox_rows, mailbox_settings

COLUMNS = (
    ("mailbox", 24), ("name", 12), ("SMTP", 22), ("IMAP", 22), ("secret", 8), ("today", 9),
    ("ramp-up", 44), ("state", 30),
)  # fmt: skip


class MailboxTable(DataTable[Any]):
    DEFAULT_CSS = """
    MailboxTable { height: 1fr; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, key=label, width=width)

    def show(self, rows: list[MailboxRow]) -> None:
        keep = self.cursor_row
        self.clear()
        for row in rows:
            state = (
                Text(f"paused: {row.pause_reason or 'by hand'}", style="yellow")
                if row.paused
                else Text("active", style="green")
            )
            cells = fmt.plain(
                row.email, row.display_name, row.smtp, row.imap, row.secret_source,
                f"{row.sent_today} / {row.cap_today}", row.ramp_state, state,
            )  # fmt: skip
            self.add_row(*cells, key=row.email)
        if rows:
            self.move_cursor(row=min(keep, len(rows) - 1), animate=False)


class MailboxesScreen(DataScreen):
    """The rep's sending mailboxes."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("t", "test", "Test connection"),
        Binding("p", "pause", "Pause"),
        Binding("r", "resume", "Resume"),
        Binding("l", "sign_in", "Sign in"),
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
        self.query_one("#mailboxes-list-region").border_title = "Mailboxes"

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="mailboxes")
    def _load(self) -> None:
        self.post_message(self.Loaded(mailbox_rows(self.ctx.db, self.ctx.now())))

    def on_mailboxes_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.query_one(MailboxTable).show(self.rows)

    def selected(self) -> str | None:
        table = self.query_one(MailboxTable)
        if not table.row_count:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

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
            self.notify(f"mailbox {email} saved", title="Mailbox")
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
            commands_of(self.app).run(lambda: actions.pause_mailbox(db, email), what="Pause")

    def action_resume(self) -> None:
        if email := self.selected():
            db = self.ctx.db
            commands_of(self.app).run(lambda: actions.resume_mailbox(db, email), what="Resume")
