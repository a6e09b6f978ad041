"""What the app is built with (injected by the factory): the database, the clock, where
sequences live, and how to make an in-process engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from textual.app import App

from outreach.views.common import Clock

EventSink = Callable[[str, dict[str, object]], None]
"""How the engine and the watcher report: ``(kind, info)``."""


class EngineServices(Protocol):
    """An engine (and watcher) the TUI can host while it is open
    (:class:`outreach.services.Services`, or a fake in tests)."""

    async def run(self) -> None:
        """Send and watch until :meth:`stop`."""

    def stop(self) -> None:
        """Finish the send in flight, then return from :meth:`run`."""

    def refresh(self) -> None:
        """Look at the queue now (after a campaign was started or resumed)."""


EngineFactory = Callable[[Engine, EventSink], EngineServices]


@dataclass(frozen=True)
class TuiContext:
    db: Engine
    sequences_dir: Path
    now: Clock
    tz: ZoneInfo
    """Where "today" and the times on screen are."""
    engine_factory: EngineFactory | None
    """None: this TUI never sends (it only watches and commands through the database)."""
    start_engine: bool = False
    """Start the in-process engine at once (else it is offered)."""
    refresh_seconds: float = 5.0
    """Re-read the visible screen this often (changes by an engine elsewhere); 0 = never."""


def context_of(app: App[Any]) -> TuiContext:
    """The context of an :class:`~outreach.tui.app.OutreachApp`."""
    context = getattr(app, "context", None)
    if not isinstance(context, TuiContext):
        raise TypeError("this screen needs the outreach app (build it with build_app)")
    return context
