"""The headless daemon: engine + inbox watcher, signals, structured logs.

SIGTERM/SIGINT: finish the SMTP transaction in flight, commit, close IMAP, exit 0 within
``STOP_DEADLINE`` seconds. SIGHUP: re-read the mailboxes, campaigns and rule files now.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from sqlalchemy import Engine

from outreach.deliverability.webhooks import WebhookDispatcher
from outreach.engine.config import EngineConfig
from outreach.engine.runner import SendEngine

log = logging.getLogger("outreach.daemon")
STOP_DEADLINE = 9.0


def log_event(kind: str, info: dict[str, object]) -> None:
    """Engine/watcher events as log lines with their fields (JSON keys in JSON mode)."""
    fields = {k: (str(v) if v is not None else None) for k, v in info.items()}
    log.info(
        "%s %s",
        kind,
        " ".join(f"{k}={v}" for k, v in fields.items()),
        extra={"event": kind, **{f"f_{k}": v for k, v in fields.items()}},
    )


class Daemon:
    def __init__(self, db: Engine, config: EngineConfig, watcher: Any | None) -> None:
        self.engine = SendEngine(db, config, inbox_check=watcher, on_event=log_event, kind="daemon")
        self.watcher = watcher
        self._services: list[Any] = [
            self.engine,
            *([watcher] if watcher else []),
            WebhookDispatcher(db),
        ]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop, sig.name)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        log.info("daemon starting", extra={"event": "daemon_start"})
        tasks = [asyncio.create_task(service.run()) for service in self._services]
        try:
            await asyncio.gather(*tasks)
        finally:
            log.info("daemon stopped", extra={"event": "daemon_stop"})

    def stop(self, why: str = "stop") -> None:
        log.info("received %s: finishing the send in flight", why, extra={"event": "stopping"})
        for service in self._services:
            service.stop()
        asyncio.get_running_loop().call_later(STOP_DEADLINE, self._force)

    def _force(self) -> None:
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    def reload(self) -> None:
        log.info("SIGHUP: re-reading configuration", extra={"event": "reload"})
        self.engine.heartbeat()
        self.engine.wake()
        reload_rules = getattr(self.watcher, "reload", None)
        if callable(reload_rules):
            reload_rules()
