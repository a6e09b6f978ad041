"""Test the connection of a saved mailbox, step by step (``ModalScreen`` → all ✓ or not)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from outreach import secrets
from outreach.i18n import N_, _
from outreach.mailbox.account import Account
from outreach.mailbox.probe import ProbeStep
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.widgets.probe_steps import ProbeSteps
from outreach.views.mailbox_form import probe_in_stages
from outreach.views.mailboxes import mailbox_account


class ProbeScreen(ModalScreen[bool | None], Translated):
    """Runs the test at once; Escape or Close returns whether every step passed."""

    BINDINGS = [Binding("escape", "close", N_("Close"))]
    DEFAULT_CSS = """
    ProbeScreen { align: center middle; }
    ProbeScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ProbeScreen Horizontal { height: auto; align-horizontal: right; }
    """

    @dataclass
    class Tested(Message):
        stage: str
        steps: list[ProbeStep]

    @dataclass
    class Done(Message):
        pass

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(_("Testing {email} …").format(email=self.email)), id="probe-title")
            yield ProbeSteps(id="probe-steps")
            with Horizontal():
                yield Button(_("Close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(ProbeSteps).start()
        self._probe()

    @work(exclusive=True, group="probe")
    async def _probe(self) -> None:
        db = context_of(self.app).db
        account: Account = await asyncio.to_thread(mailbox_account, db, self.email)
        stages = probe_in_stages(account, lambda: secrets.fetch_secret(account.secret))
        async for stage, steps in stages:
            self.post_message(self.Tested(stage, steps))
        self.post_message(self.Done())

    def on_probe_screen_tested(self, message: Tested) -> None:
        self.query_one(ProbeSteps).add(message.stage, message.steps)

    def on_probe_screen_done(self, _message: Done) -> None:
        steps = self.query_one(ProbeSteps)
        steps.finish()
        self.finished = True
        verdict = (
            _("every step passed ✓") if steps.ok
            else _("some steps failed ✗ (server's words below)")
        )
        self.query_one("#probe-title", Label).update(Text(f"{self.email}: {verdict}"))

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(self.query_one(ProbeSteps).ok if self.finished else None)
