"""Start a campaign as ``outreach campaign start`` does: check the addresses first, show
the verdicts, then queue the first emails — or say why nothing was started (the campaign
stays a draft). ``ModalScreen`` → how many first emails were queued (None: not started)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Static

from outreach.i18n import N_, _, ngettext
from outreach.tui import format as fmt
from outreach.tui.actions import StartOutcome, verify_and_start
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.engine_host import engine_of
from outreach.tui.screens.pickers import MODAL_CSS


class StartCampaignScreen(ModalScreen[int | None], Translated):
    """Start asks first; Escape cancels (or closes once it ran)."""

    DEFAULT_CSS = MODAL_CSS.format(name="StartCampaignScreen") + """
    StartCampaignScreen > Vertical { width: 100; max-width: 100%; }
    StartCampaignScreen #start-result { height: auto; max-height: 16; }
    """
    BINDINGS = [
        Binding("escape", "close", N_("Cancel")), Binding("y", "start", N_("Start"), show=False)
    ]

    @dataclass
    class Started(Message):
        outcome: StartOutcome

    def __init__(self, name: str, enrolled: int | None = None) -> None:
        super().__init__()
        self.campaign = name
        self.enrolled = enrolled
        self.outcome: StartOutcome | None = None

    def compose(self) -> ComposeResult:
        if self.enrolled is None:
            question = _(
                "Start campaign {name}? The addresses of its prospects are checked (DNS); the "
                "first email to each valid one is queued and goes out at human pace."
            ).format(name=self.campaign)
        else:
            question = ngettext(
                "Start campaign {name}? The address of {count} prospect is checked (DNS); the "
                "first email to each valid one is queued and goes out at human pace.",
                "Start campaign {name}? The addresses of {count} prospects are checked (DNS); "
                "the first email to each valid one is queued and goes out at human pace.",
                self.enrolled,
            ).format(name=self.campaign, count=fmt.number(self.enrolled))
        with Vertical():
            yield Label(Text(question), classes="question", id="start-question")
            yield Checkbox(_("check the addresses first (like `campaign start`)"), True,
                           id="verify")
            with VerticalScroll(id="start-result"):
                yield Static(id="start-lines")
            with Horizontal():
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Start"), id="start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        else:
            self.action_close()

    def action_start(self) -> None:
        if self.outcome is not None or self.query_one("#start", Button).disabled:
            return
        self.query_one("#start", Button).disabled = True
        self.query_one("#start-lines", Static).update(Text(_("checking the addresses …"), "dim"))
        self._start(self.query_one("#verify", Checkbox).value)

    @work(thread=True, exclusive=True, group="start-campaign")
    def _start(self, verify: bool) -> None:
        ctx = context_of(self.app)
        self.post_message(self.Started(verify_and_start(ctx.db, self.campaign, ctx.now(), verify)))

    def on_start_campaign_screen_started(self, message: Started) -> None:
        self.outcome = outcome = message.outcome
        text = Text("\n".join(outcome.checked) + ("\n" if outcome.checked else ""))
        if outcome.error:
            text.append(f"✗ {outcome.error}", style="bold red")
        else:
            text.append(ngettext(
                "✓ campaign {name} started: {count} first email queued; it leaves while the "
                "engine runs",
                "✓ campaign {name} started: {count} first emails queued; they leave while the "
                "engine runs",
                outcome.queued,
            ).format(name=self.campaign, count=fmt.number(outcome.queued)),
                style="bold green")  # fmt: skip
        self.query_one("#start-lines", Static).update(text)
        self.query_one("#start-question", Label).display = False
        self.query_one("#verify", Checkbox).display = False
        start = self.query_one("#start", Button)
        start.display = False
        cancel = self.query_one("#cancel", Button)
        cancel.label = _("Close")
        cancel.focus()
        if not outcome.error:
            engine_of(self.app).nudge()

    def action_close(self) -> None:
        outcome = self.outcome
        self.dismiss(outcome.queued if outcome is not None and not outcome.error else None)
