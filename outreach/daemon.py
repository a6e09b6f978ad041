"""The headless daemon: the services of :mod:`outreach.services`, signals, structured logs.

SIGTERM/SIGINT: finish the SMTP transaction in flight, commit, close IMAP, exit 0 within
``STOP_DEADLINE`` seconds. SIGHUP: re-read the mailboxes, campaigns and rule files now.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from outreach.logs import event_line, text_fields
from outreach.services import Services

log = logging.getLogger("outreach.daemon")
STOP_DEADLINE = 9.0


def log_event(kind: str, info: dict[str, object]) -> None:
    """Engine/watcher events as one log line each, with their fields (JSON keys in JSON
    mode, ``key=value`` in text): see :func:`outreach.logs.event_line`."""
    event, fields = event_line(kind, info)
    log.info("%s %s", event, text_fields(fields), extra={"event": event, "fields": fields})


class Daemon:
    """Runs the services with the signal handling and logs of a server process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._main: asyncio.Task[object] | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop, sig.name)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        self._main = asyncio.current_task()
        log.info("daemon starting", extra={"event": "daemon_start"})
        try:
            await self.services.run()
        finally:
            log.info("daemon stopped", extra={"event": "daemon_stop"})

    def stop(self, why: str = "stop") -> None:
        log.info("received %s: finishing the send in flight", why, extra={"event": "stopping"})
        self.services.stop()
        asyncio.get_running_loop().call_later(STOP_DEADLINE, self._force)

    def _force(self) -> None:
        """Past the deadline: cancel the parts' tasks (not the daemon's own, which then
        returns normally instead of ending in a CancelledError traceback)."""
        for task in asyncio.all_tasks():
            if task is not self._main:
                task.cancel()

    def reload(self) -> None:
        log.info("SIGHUP: re-reading configuration", extra={"event": "reload"})
        self.services.reload()
