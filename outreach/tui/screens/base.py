"""What every data screen shares: its context, and re-reading when something changed."""

from __future__ import annotations

from textual.screen import Screen

from outreach.tui.bindings import Translated
from outreach.tui.context import TuiContext, context_of
from outreach.tui.messages import (
    DataChanged,
    EngineReported,
    InboundClassified,
    ReplyDetected,
    StepSent,
)


class DataScreen(Screen[None], Translated):
    """A screen read from the database.

    It re-reads (``reload``, a worker) when shown, when a command changed data, and — if
    it ``FOLLOWS_ENGINE`` — when the engine reports and every ``refresh_seconds`` (to
    follow an engine running elsewhere).
    """

    FOLLOWS_ENGINE = True
    ABOUT = ""
    """What the view is for, one line (``N_()``-marked; the help shows it)."""

    @property
    def ctx(self) -> TuiContext:
        return context_of(self.app)

    def reload(self) -> None:
        """Start re-reading what the screen shows (subclasses start a worker)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        if self.FOLLOWS_ENGINE and self.ctx.refresh_seconds > 0:
            self.set_interval(self.ctx.refresh_seconds, self._refresh_if_current)

    def _refresh_if_current(self) -> None:
        if self.is_current:
            self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_step_sent(self, _message: StepSent) -> None:
        self._engine_moved()

    def on_reply_detected(self, _message: ReplyDetected) -> None:
        self._engine_moved()

    def on_inbound_classified(self, _message: InboundClassified) -> None:
        self._engine_moved()

    def on_engine_reported(self, _message: EngineReported) -> None:
        self._engine_moved()

    def _engine_moved(self) -> None:
        if self.FOLLOWS_ENGINE:
            self.reload()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.reload()
