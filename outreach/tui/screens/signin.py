"""Sign an OAuth mailbox in from the cockpit: the code and address to open are shown as
soon as the provider gives them, and the modal closes by itself when the sign-in is done
(``ModalScreen`` → True signed in, False failed, None cancelled)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from outreach import accounts
from outreach.errors import OutreachError
from outreach.i18n import N_, _
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of


class SignInScreen(ModalScreen[bool | None], Translated):
    """Escape cancels the wait; nothing is stored unless the provider says yes."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CSS = """
    SignInScreen { align: center middle; }
    SignInScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    SignInScreen #signin-code { text-style: bold; margin: 1 0; }
    SignInScreen Horizontal { height: auto; align-horizontal: right; }
    """

    @dataclass
    class Prompted(Message):
        shown: dict[str, object]

    @dataclass
    class Finished(Message):
        ok: bool
        text: str

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email
        self.stop = threading.Event()
        self.shown: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(_("Signing in {email} …").format(email=self.email)), id="signin-title")
            yield Label("", id="signin-code")
            yield Label("", id="signin-note")
            with Horizontal():
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self._sign_in()

    @work(thread=True, exclusive=True, group="sign-in")
    def _sign_in(self) -> None:
        db = context_of(self.app).db
        try:
            signed, resumed = accounts.sign_in_mailbox(
                db, self.email, lambda shown: self.post_message(self.Prompted(shown)),
                stop=self.stop,
            )
        except OutreachError as exc:
            self.post_message(self.Finished(False, exc.message))
            return
        if resumed:
            said = _("signed in: {address} (the mailbox sends again)")
        else:
            said = _("signed in: {address}")
        self.post_message(self.Finished(True, said.format(address=signed.address)))

    def on_sign_in_screen_prompted(self, message: Prompted) -> None:
        self.shown = message.shown
        code = self.query_one("#signin-code", Label)
        if "user_code" in message.shown:
            code.update(Text(_("Open {address}\nand enter the code  {code}").format(
                address=message.shown["verification_uri"], code=message.shown["user_code"])))
        else:
            code.update(Text(_("Sign in at {address}").format(
                address=message.shown["authorization_url"])))
        self._note(_("waiting for the sign-in … (it finishes by itself)"))

    def on_sign_in_screen_finished(self, message: Finished) -> None:
        if message.ok:
            self.app.notify(message.text, title=_("Sign-in"))
            self.dismiss(True)
            return
        self._note(message.text)
        self.query_one("#cancel", Button).label = _("Close")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.stop.set()
        self.dismiss(None)

    def _note(self, text: str) -> None:
        self.query_one("#signin-note", Label).update(Text(text))
