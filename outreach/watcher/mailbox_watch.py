"""One watched mailbox: a fetch connection (INBOX selected, Junk by STATUS) and a doorbell.

Connections: the *fetch* connection keeps INBOX selected read-only; a check is a NOOP and
a UID SEARCH there plus one STATUS of the Junk folder (EXAMINE'd only when it has news). The
*doorbell* connection IDLEs on INBOX and only rings; the Junk folder is polled (on every
ring, every ``poll_interval`` and every pre-send re-check) rather than given a second
IDLE connection: spam-foldered replies are rare and one connection per mailbox is spared.
Checks of one mailbox never overlap (an asyncio lock).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.accounts import account_of
from outreach.errors import ConnectionFailed, InboxUnreachable, SignInRequired
from outreach.mailbox.classify import Rules
from outreach.mailbox.ports import INBOX, Doorbell, FolderReader, FolderState, InboxConnector
from outreach.store.models import Mailbox
from outreach.watcher.config import WatcherConfig
from outreach.watcher.inbound import Context
from outreach.watcher.lookup import our_addresses
from outreach.watcher.sync import FolderSync, Handled

log = logging.getLogger(__name__)

class MailboxWatch:
    """Checks one mailbox for new mail and applies what it finds."""

    def __init__(
        self,
        db: Engine,
        mailbox: Mailbox,
        config: WatcherConfig,
        rules: Rules,
        connector: InboxConnector,
    ) -> None:
        assert mailbox.id is not None
        self.db, self.mailbox_id, self.config, self.rules = db, mailbox.id, config, rules
        self.connector = connector
        self.account = account_of(mailbox)
        self.lock = asyncio.Lock()
        self.bell = asyncio.Event()
        """Set when the server reported news (IDLE): check now."""
        self.stopping = asyncio.Event()
        self.inbox = FolderSync(db, self.mailbox_id, INBOX)
        self.junk: FolderSync | None = None
        self.idle_capable = False
        self._client: FolderReader | None = None
        self._inbox_state: FolderState | None = None
        self.backoff = Unreachable(self.account.email, config.reconnect_min, config.reconnect_max)

    async def check(self) -> list[Handled]:
        """Catch up with INBOX and Junk; effects are committed when this returns.

        Raises:
            InboxUnreachable: the server could not be reached (logged here, one line), or
                it failed recently and its back-off has not run out: then nothing is tried,
                so the engine's pre-send re-checks do not log in again at every poll.
        """
        async with self.lock:
            self.backoff.check()
            try:
                handled = await asyncio.to_thread(self._check)
            except ConnectionFailed as exc:
                raise self.backoff.failed(exc) from None
            self.backoff.succeeded()
            return handled

    async def close(self) -> None:
        async with self.lock:
            await asyncio.to_thread(self._drop)

    # -- blocking part (a worker thread) ---------------------------------------------

    def _check(self) -> list[Handled]:
        kept = self._client is not None
        try:
            return self._check_once()
        except SignInRequired:  # not the server's fault: the poll loop pauses the mailbox
            self._drop()
            raise
        except Exception as exc:
            self._drop()
            if not kept:
                raise self._failed(exc) from exc
        try:  # the kept connection may have gone stale (server timeout): once more, anew
            return self._check_once()
        except SignInRequired:
            self._drop()
            raise
        except Exception as exc:
            self._drop()
            raise self._failed(exc) from exc

    def _check_once(self) -> list[Handled]:
        client, state = self._connected()
        context = self._context()
        handled = self.inbox.catch_up(client, state, context)
        return handled + self._check_junk(client, context)

    def _failed(self, exc: Exception) -> ConnectionFailed:
        return ConnectionFailed(f"could not check the mailbox {self.account.email}: {exc}")

    def _connected(self) -> tuple[FolderReader, FolderState]:
        if self._client is None or self._inbox_state is None:
            client = self.connector.reader(self.account)
            self._client = client
            self.idle_capable = client.can_idle()
            junk = client.junk_folder() if self.config.watch_junk else None
            self.junk = FolderSync(self.db, self.mailbox_id, junk) if junk else None
            self._inbox_state = client.examine(INBOX)
        return self._client, self._inbox_state

    def _context(self) -> Context:
        with Session(self.db) as session:
            ours = our_addresses(session)
        return Context(self.mailbox_id, self.rules, ours, self.config)

    def _check_junk(self, client: FolderReader, context: Context) -> list[Handled]:
        """STATUS first; EXAMINE the Junk folder only when it has news, then back to INBOX."""
        if self.junk is None:
            return []
        state = client.status(self.junk.folder)
        saved = self.junk.last_seen()
        if saved and saved.uidvalidity == state.uidvalidity and state.uidnext <= saved.last_uid + 1:
            return []
        try:
            return self.junk.catch_up(client, client.examine(self.junk.folder), context)
        finally:
            self._inbox_state = client.examine(INBOX)

    def _drop(self) -> None:
        client, self._client, self._inbox_state = self._client, None, None
        if client is not None:
            client.close()


class Unreachable:
    """A mailbox's IMAP back-off, shared by the poll loop and the engine's re-checks: each
    failure is logged once (one line, no traceback) and doubles the wait, up to ``longest``."""

    def __init__(self, email: str, shortest: float, longest: float) -> None:
        self.email, self.shortest, self.longest = email, shortest, longest
        self.delay = shortest
        self.until = 0.0
        self.reason = ""
        self._lock = threading.Lock()  # the IDLE connection and the checks fail in threads

    def check(self) -> None:
        """Raise :class:`InboxUnreachable` while the back-off runs (nothing is tried)."""
        left = self.until - time.monotonic()
        if left > 0:
            raise InboxUnreachable(
                f"the mailbox {self.email} is unreachable: {self.reason} "
                f"(trying again in {left:.0f} s)",
                left,
            )

    def remaining(self) -> float:
        """Seconds the back-off still runs (0: try now)."""
        return max(0.0, self.until - time.monotonic())

    def failed(self, exc: ConnectionFailed) -> InboxUnreachable:
        """Start (or double) the back-off and log one line; a second connection of the
        mailbox failing while it already runs adds nothing."""
        with self._lock:
            left = self.until - time.monotonic()
            if left > 0:
                return InboxUnreachable(exc.message, left)
            self.reason = exc.message
            wait, self.delay = self.delay, min(self.delay * 2, self.longest)
            self.until = time.monotonic() + wait
        log.warning("%s (retrying in %g s)", exc.message, round(wait, 1))
        return InboxUnreachable(exc.message, wait)

    def succeeded(self) -> None:
        if self.until:
            log.info("the mailbox %s is reachable again", self.email)
        self.delay, self.until, self.reason = self.shortest, 0.0, ""


Backoff = Callable[[Exception], float]
"""Logs an error and says how long to wait before trying again."""


async def ring_on_news(watch: MailboxWatch) -> None:
    """IDLE on INBOX until ``watch.stopping``; sets ``watch.bell`` when the server reports news.

    Returns when the server cannot IDLE (the caller then polls). Connection failures share
    the mailbox's back-off with the checks, so an outage is logged once per attempt, not
    once by each connection.
    """
    while not watch.stopping.is_set():
        waiting = watch.backoff.remaining()
        if waiting > 0:  # the checks found the server unreachable: wait out their back-off
            await _pause(watch.stopping, waiting)
            continue
        client: Doorbell | None = None
        try:
            client = await asyncio.to_thread(watch.connector.doorbell, watch.account)
            if not client.can_idle():
                return
            watch.backoff.succeeded()
            # Mail that came while this connection was being set up announces nothing:
            # the first IDLE of each connection rings once to have it looked at.
            await _idle_rounds(client, watch)
        except SignInRequired:  # the check pauses the mailbox; no IDLE until a new sign-in
            watch.bell.set()
            await _pause(watch.stopping, watch.backoff.longest)
        except Exception as exc:  # noqa: BLE001 - reconnect after any IMAP/network error
            watch.bell.set()  # what happened meanwhile is looked at by a check
            watch.backoff.failed(ConnectionFailed(f"IDLE on {watch.account.email}: {exc}"))
        finally:
            if client is not None:
                client.drop()


async def _idle_rounds(client: Doorbell, watch: MailboxWatch) -> None:
    ring_once: Callable[[], None] = watch.bell.set
    while not watch.stopping.is_set():
        if await client.idle_once(watch.config.idle_renew, ring_once):
            watch.bell.set()
        ring_once = _nothing


def _nothing() -> None:
    return None


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` (reconnect back-off), or less when stopping."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass
