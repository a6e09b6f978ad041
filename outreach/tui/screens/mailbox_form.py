"""Add or edit a mailbox: a form whose errors sit next to their fields, a connection test
before saving, and nothing saved half-way (``ModalScreen`` → the saved address or None)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy import Engine
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from outreach.errors import OutreachError
from outreach.i18n import N_, _
from outreach.mailbox.account import SECURITIES
from outreach.mailbox.probe import ProbeStep
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.screens.signin import SignInScreen
from outreach.tui.widgets.form import FormField
from outreach.tui.widgets.probe_steps import ProbeSteps
from outreach.views.mailbox_form import (
    MailboxForm,
    account_for,
    blocking,
    check_form,
    field_errors,
    probe_in_stages,
    save_form,
    secret_getter,
)
from outreach.views.mailboxes import MailboxSettings

PROVIDER_CHOICES = [
    (N_("a password"), "password"), ("Microsoft 365", "microsoft365"), ("Google", "google"),
    (N_("an OIDC issuer"), "oidc"),
]
ROWS = (
    (("email", N_("Address")), ("display_name", N_("Your name")),
     ("username", N_("Login (if not address)"))),
    (("smtp_host", N_("SMTP server")), ("smtp_port", N_("SMTP port")),
     ("smtp_security", N_("SMTP security"))),
    (("imap_host", N_("IMAP server")), ("imap_port", N_("IMAP port")),
     ("imap_security", N_("IMAP security"))),
    (("password", N_("Password (to the keyring)")),
     ("password_command", N_("…or a password command"))),
    (("provider", N_("…or sign in with")), ("oauth_client_id", N_("OAuth client id")),
     ("oauth_where", N_("Tenant (Microsoft) / issuer URL"))),
    (("daily_cap", N_("Daily cap")), ("ramp", N_("Ramp-up, e.g. 10+5/day")),
     ("insecure_skip_verify", "")),
)  # fmt: skip


class MailboxFormScreen(ModalScreen[str | None], Translated):
    """Escape cancels; "Test & save" tests the connection first."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CSS = """
    MailboxFormScreen { align: center middle; }
    MailboxFormScreen > VerticalScroll {
        width: 120; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    MailboxFormScreen Horizontal { height: auto; }
    MailboxFormScreen #form-buttons { align-horizontal: right; margin-top: 1; }
    MailboxFormScreen Button { margin-left: 1; }
    MailboxFormScreen #form-note { color: $text-muted; }
    """

    @dataclass
    class Tested(Message):
        stage: str
        steps: list[ProbeStep]

    @dataclass
    class Finished(Message):
        saved: str | None
        errors: dict[str, str]
        note: str = ""

    def __init__(self, settings: MailboxSettings | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.form_signs_in = False

    @property
    def editing(self) -> bool:
        return self.settings is not None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(self._title()), classes="question")
            for row in ROWS:
                with Horizontal():
                    for name, label in row:
                        yield FormField(_(label) if label else "", self._control(name),
                                        name=name)
            yield ProbeSteps(id="form-probe")
            yield Label("", id="form-note")
            with Horizontal(id="form-buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Save without testing"), id="save")
                yield Button(_("Test & save"), id="test-save", variant="primary")

    def _title(self) -> str:
        if self.settings is None:
            return _("Add a mailbox: the password goes to your OS keyring, never the database.")
        return _("Edit {email} (leave the password empty to keep the stored one)").format(
            email=self.settings.email
        )

    def _control(self, name: str) -> Input | Select[str] | Checkbox:
        given = self.settings
        value = "" if given is None else str(getattr(given, name, "") or "")
        if name == "provider":
            choices = [(_(label), key) for label, key in PROVIDER_CHOICES]
            return Select(choices, value=value or "password", allow_blank=False, id=name)
        if name.endswith("_security"):
            default = value or ("starttls" if name.startswith("smtp") else "tls")
            options = [(s, s) for s in SECURITIES]
            return Select(options, value=default, allow_blank=False, id=name)
        if name == "insecure_skip_verify":
            return Checkbox(_("no TLS check (test only)"), value=value == "True", id=name)
        if name == "daily_cap" and not value:
            value = "40"
        return Input(
            value=value,
            password=name == "password",
            id=name,
            disabled=name == "email" and self.editing,
        )

    def on_mount(self) -> None:
        """Typing goes to the first field at once (the address; its name when editing)."""
        self.query_one("#display_name" if self.editing else "#email", Input).focus()

    def values(self) -> dict[str, str]:
        return {f.field_name: f.value for f in self.query(FormField)}

    def show_errors(self, errors: dict[str, str]) -> None:
        for field in self.query(FormField):
            field.show_error(errors.get(field.field_name))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        form, errors = check_form(self.values(), editing=self.editing)
        self.show_errors(errors)
        if form is None:
            self._note(_("fix the fields marked ✗ — nothing was saved"))
            return
        self._set_busy(True)
        self.form_signs_in = form.signs_in
        self._test_and_save(form, test=event.button.id == "test-save" and not form.signs_in)

    @work(exclusive=True, group="mailbox-form")
    async def _test_and_save(self, form: MailboxForm, test: bool) -> None:
        steps: list[ProbeStep] = []
        if test:
            self.query_one(ProbeSteps).start()
            async for stage, found in probe_in_stages(account_for(form), secret_getter(form)):
                steps += found
                self.post_message(self.Tested(stage, list(found)))
        if blocking(steps):
            errors = field_errors(steps) or {
                "email": _("the connection test failed (see above)")
            }
            self.post_message(self.Finished(None, errors, _("the test failed — nothing was saved")))
            return
        db = context_of(self.app).db
        try:
            saved = await self._save(db, form)
        except OutreachError as exc:
            self.post_message(
                self.Finished(None, {"password": exc.message}, _("nothing was saved"))
            )
        else:
            self.post_message(self.Finished(saved, {}))

    async def _save(self, db: Engine, form: MailboxForm) -> str:
        return await asyncio.to_thread(save_form, db, form)

    def on_mailbox_form_screen_tested(self, message: Tested) -> None:
        self.query_one(ProbeSteps).add(message.stage, message.steps)

    def on_mailbox_form_screen_finished(self, message: Finished) -> None:
        self.query_one(ProbeSteps).finish()
        self._set_busy(False)
        if message.saved is not None:
            app, signs_in = self.app, self.form_signs_in and not self.editing
            self.dismiss(message.saved)
            if signs_in:  # an OAuth mailbox is tested once signed in: sign in now
                app.push_screen(SignInScreen(message.saved))
            return
        self.show_errors(message.errors)
        self._note(message.note)

    def _note(self, text: str) -> None:
        self.query_one("#form-note", Label).update(Text(text))

    def _set_busy(self, busy: bool) -> None:
        for button in self.query(Button):
            button.disabled = busy and button.id != "cancel"

    def action_cancel(self) -> None:
        self.dismiss(None)
