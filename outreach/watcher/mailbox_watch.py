"""One watched mailbox over ONE IMAP connection: IDLE on INBOX, DONE on news, fetch, IDLE.

Gmail and Microsoft 365 cap simultaneous IMAP connections per account (and a team daemon
watching 1,000 mailboxes should hold 1,000 connections, not 2,000), so the same session
keeps INBOX selected read-only, IDLEs there between checks and fetches when it has news.
A check is a NOOP and a UID SEARCH in INBOX plus one STATUS of the Junk folder (EXAMINE'd
only when it has news); the Junk folder is polled (on every ring, every ``poll_interval``
and every pre-send re-check) rather than IDLEd on.

Whoever holds ``lock`` owns the connection: the IDLE loop (:func:`ring_on_news`) takes it
for one IDLE round at a time; a check sets ``wanted``, which ends the round at once (DONE),
and gets the connection next (asyncio's lock is first come, first served).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.accounts import account_of
from outreach.errors import ConnectionFailed, InboxUnreachable, SignInRequired
from outreach.i18n import _
from outreach.mailbox.classify import Rules
from outreach.mailbox.ports import INBOX, FolderReader, FolderState, InboxConnector
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
        self.wanted = asyncio.Event()
        """Set while a check waits for the connection: the IDLE round in progress ends."""
        self.checked = asyncio.Event()
        """Set after every check (the IDLE loop waits for the check its ring asked for)."""
        self._queued = 0  # checks waiting for the connection
        self._settle = False  # the next IDLE round is the short one after a check
        self.idling = False
        """IDLE works on the kept connection (the periodic look can be rarer)."""
        self.ours: frozenset[str] | None = None
        """Our own addresses, kept current by the watcher's beat (None: read at each check)."""
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
        async with self._turn():
            self.backoff.check()
            try:
                handled = await asyncio.to_thread(self._check)
            except ConnectionFailed as exc:
                raise self.backoff.failed(exc) from None
            self.backoff.succeeded()
            return handled

    async def close(self) -> None:
        async with self._turn():
            await asyncio.to_thread(self._drop)

    def stop(self) -> None:
        """Stop watching: the IDLE round in progress ends now."""
        self.stopping.set()
        self.wanted.set()

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """The connection, as soon as the IDLE round in progress (if any) has ended."""
        self._queued += 1
        self.wanted.set()
        waiting = True
        try:
            async with self.lock:
                waiting = False
                self._leave_queue()
                yield
        finally:
            if waiting:  # cancelled while queued
                self._leave_queue()
            self.checked.set()

    def _leave_queue(self) -> None:
        self._queued -= 1
        if not self._queued and not self.stopping.is_set():
            self.wanted.clear()

    async def idle_round(self) -> bool:
        """One IDLE round on the kept connection (connecting first); True on news.

        A new connection rings the bell once it is in IDLE: mail that came while it was
        being set up announces nothing. Returns False at once when a check is waiting for
        the connection, or the server cannot IDLE (then ``idle_capable`` is False).

        Raises:
            ConnectionFailed: the connection could not be made, or broke (it is dropped).
        """
        async with self.lock:
            if self.wanted.is_set():  # a check is queued behind us: let it go first
                return False
            ring = self.bell.set if self._client is None else _nothing
            seconds = self.config.idle_settle if self._settle else self.config.idle_renew
            try:
                client, _state = await asyncio.to_thread(self._connected)
                if not self.idle_capable:
                    return False
                if self._settle and await asyncio.to_thread(self._missed, client):
                    return True
                news = await client.idle_once(seconds, ring, self.wanted)
                self._settle = False
                self.idling = True
                return news
            except asyncio.CancelledError:  # perhaps left in IDLE: no LOGOUT would be heard
                self._drop_broken()
                raise
            except SignInRequired:  # not the server's fault: the check pauses the mailbox
                self.idling = False
                await asyncio.to_thread(self._drop_broken)
                raise
            except Exception as exc:  # noqa: BLE001 - any IMAP/network error: reconnect
                self.idling = False
                await asyncio.to_thread(self._drop_broken)
                raise ConnectionFailed(
                    _("waiting for new mail in {mailbox} failed: {error}").format(
                        mailbox=self.account.email, error=exc)) from exc

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
        self._settle = True
        client, state = self._connected()
        context = self._context()
        handled = self.inbox.catch_up(client, state, context)
        return handled + self._check_junk(client, context)

    def _missed(self, client: FolderReader) -> bool:
        """Whether INBOX got mail during the last check: the session counts it already, so
        IDLE would not announce it (one NOOP + UID SEARCH before the first IDLE round)."""
        saved = self.inbox.last_seen()
        return saved is not None and bool(client.uids_after(saved.last_uid))

    def _failed(self, exc: Exception) -> ConnectionFailed:
        return ConnectionFailed(_("could not check the mailbox {mailbox}: {error}").format(
            mailbox=self.account.email, error=exc))

    @property
    def connected(self) -> bool:
        return self._client is not None

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
        """What classifying needs. Our own addresses come from the watcher's beat (it reads
        every mailbox anyway); a watch used on its own reads them at each check."""
        ours = self.ours
        if ours is None:
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
        self.idling = False
        client, self._client, self._inbox_state = self._client, None, None
        if client is not None:
            client.close()

    def _drop_broken(self) -> None:
        """Drop a session that may be left in IDLE (no LOGOUT: it would not be heard)."""
        client, self._client, self._inbox_state = self._client, None, None
        if client is not None:
            client.drop()


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
                _("the mailbox {mailbox} is unreachable: {reason} (trying again in {seconds} s)"
                  ).format(mailbox=self.email, reason=self.reason, seconds=f"{left:.0f}"),
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
    """IDLE on INBOX until ``watch.stopping``; sets ``watch.bell`` when the server reports
    news, and waits for that check before IDLEing again.

    Returns when the server cannot IDLE (the caller then polls). Connection failures share
    the mailbox's back-off with the checks, so an outage is logged once per attempt, not
    once by each user of the connection.
    """
    while not watch.stopping.is_set():
        waiting = watch.backoff.remaining()
        if waiting > 0:  # the connection failed: wait out the back-off
            await _pause(watch.stopping, waiting)
            continue
        watch.checked.clear()
        if watch.wanted.is_set():  # a check has the connection next: wait for it
            await _first(watch.checked, watch.stopping)
            continue
        try:
            news = await watch.idle_round()
        except SignInRequired:  # the check pauses the mailbox; no IDLE until a new sign-in
            watch.bell.set()
            await _pause(watch.stopping, watch.backoff.longest)
            continue
        except ConnectionFailed as exc:
            watch.bell.set()  # what happened meanwhile is looked at by a check
            watch.backoff.failed(exc)
            continue
        if watch.connected and not watch.idle_capable:
            return
        if news:
            watch.bell.set()
            await _first(watch.checked, watch.stopping)


async def _first(*events: asyncio.Event) -> None:
    """Until one of ``events`` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _nothing() -> None:
    return None


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` (reconnect back-off), or less when stopping."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass
