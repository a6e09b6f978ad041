"""Hosting the engine in the TUI's event loop while it is open.

The services are those of every entry point (:func:`outreach.services.build_services`:
engine, inbox watcher, webhooks). :class:`EngineHost` runs them in a worker of the app
and turns their reports into messages (:func:`message_for`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import Engine
from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from outreach.services import build_services
from outreach.tui.context import EngineFactory, EngineServices, EventSink
from outreach.tui.messages import (
    EngineReported,
    EngineStateChanged,
    InboundClassified,
    ReplyDetected,
    StepSent,
)
from outreach.views.presence import EnginePresence

INBOUND_KINDS = ("auto_reply", "bounce", "unsubscribe", "other")


def default_engine_factory(db: Engine, on_event: EventSink) -> EngineServices:
    """The engine, the inbox watcher and the webhooks, as ``outreach run`` has them."""
    return build_services(db, kind="tui", on_event=on_event)


def message_for(kind: str, info: dict[str, object]) -> Message:
    """The TUI message for one report of the engine or the watcher."""
    text = {key: "" if value is None else str(value) for key, value in info.items()}
    if kind == "sent":
        step = info.get("step")
        number = step + 1 if isinstance(step, int) else 0
        return StepSent(text.get("to", "?"), number, text.get("mailbox", ""), text.get("subject"))
    if kind == "reply":
        return ReplyDetected(text.get("from", "?"), text.get("subject", ""), text["mailbox"])
    if kind in INBOUND_KINDS:
        actions = info.get("actions")
        done = [str(a) for a in actions] if isinstance(actions, list) else []
        return InboundClassified(kind, text.get("from", "?"), text.get("subject", ""), done)
    return EngineReported(kind, dict(info))


class EngineHost:
    """Starts and stops the in-process engine of one app."""

    GROUP = "engine"

    def __init__(self, app: App[Any], db: Engine, factory: EngineFactory | None) -> None:
        self.app = app
        self.db = db
        self.factory = factory
        self.services: EngineServices | None = None
        self.worker: Worker[None] | None = None

    @property
    def available(self) -> bool:
        """Whether this TUI may run an engine at all."""
        return self.factory is not None

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def start(self) -> bool:
        """Start the engine in a worker; False when unavailable or already running."""
        if self.factory is None or self.running:
            return False
        self.worker = self.app.run_worker(
            self._run(self.factory), group=self.GROUP, exclusive=True, exit_on_error=False
        )
        return True

    async def _run(self, factory: EngineFactory) -> None:
        services = factory(self.db, self._report)
        self.services = services
        self.app.post_message(EngineStateChanged(EnginePresence("here", "starting")))
        try:
            await services.run()
        finally:
            self.services = None

    def _report(self, kind: str, info: dict[str, object]) -> None:
        self.app.post_message(message_for(kind, info))

    async def stop(self) -> None:
        """Stop the engine and wait until the send in flight is done."""
        services, worker = self.services, self.worker
        if services is not None:
            services.stop()
        if worker is not None and self.running:
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()  # its failure was shown when it happened

    def nudge(self) -> None:
        if self.services is not None:
            self.services.refresh()


def engine_of(app: App[Any]) -> EngineHost:
    """The engine host of an :class:`~outreach.tui.app.OutreachApp`."""
    host = getattr(app, "engine", None)
    if not isinstance(host, EngineHost):
        raise TypeError("this screen needs the outreach app (build it with build_app)")
    return host
