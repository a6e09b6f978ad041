"""A connection test as it runs: each stage pending (…), then each step ✓ or ✗ with the
server's own words."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from outreach.i18n import N_, _
from outreach.mailbox.probe import ProbeStep

STAGES = (("secret", N_("password")), ("smtp", "SMTP"), ("imap", "IMAP"))


class ProbeSteps(Static):
    """Shows the stages of one connection test."""

    DEFAULT_CSS = """
    ProbeSteps { height: auto; padding: 0 1; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.results: dict[str, list[ProbeStep]] = {}
        self.running = False

    def start(self) -> None:
        self.results, self.running = {}, True
        self._redraw()

    def add(self, stage: str, steps: list[ProbeStep]) -> None:
        self.results[stage] = steps
        self._redraw()

    def finish(self) -> None:
        self.running = False
        self._redraw()

    @property
    def steps(self) -> list[ProbeStep]:
        return [step for stage, _ in STAGES for step in self.results.get(stage, [])]

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def _redraw(self) -> None:
        text = Text()
        for stage, label in STAGES:
            if stage in self.results:
                for step in self.results[stage]:
                    _line(text, _(label), step)
            elif self.running and not self._stopped_early():
                text.append(_("… {stage}: testing").format(stage=_(label)) + "\n", style="dim")
        self.update(text)

    def _stopped_early(self) -> bool:
        secret = self.results.get("secret", [])
        return bool(secret) and not secret[0].ok


def _line(text: Text, label: str, step: ProbeStep) -> None:
    mark, style = ("✓", "green") if step.ok else ("✗", "bold red")
    text.append(f"{mark} ", style=style)
    text.append(f"{label} {step.name}")
    if step.detail:
        text.append(f"  {step.detail}", style="dim" if step.ok else "red")
    text.append("\n")
