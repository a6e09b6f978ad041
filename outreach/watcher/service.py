"""The :class:`Watcher` service: every mailbox watched until :meth:`Watcher.stop`.

Per mailbox a loop checks on every doorbell ring (IDLE) and at least every
``poll_interval`` (the only trigger without IDLE); the service itself re-reads the
mailbox list and resumes paused enrollments on the same beat. It is also the engine's
:class:`~outreach.engine.hooks.InboxCheck`: :meth:`Watcher.recheck` works whether or not
:meth:`Watcher.run` is running.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach import paths
from outreach.accounts import account_of
from outreach.errors import InboxUnreachable, OutreachError, SignInRequired
from outreach.lifecycle.ending import resume_due
from outreach.lifecycle.mailboxes import pause_for_sign_in
from outreach.lifecycle.rules import Pause
from outreach.lifecycle.tasks import settle_tasks
from outreach.mailbox.classify import Rules, load_rules
from outreach.mailbox.ports import InboxConnector
from outreach.store.models import Mailbox, row_id, utcnow
from outreach.watcher.config import WatcherConfig
from outreach.watcher.deadline import prestart
from outreach.watcher.lookup import addresses_of
from outreach.watcher.mailbox_watch import Backoff, MailboxWatch, ring_on_news
from outreach.watcher.sync import Handled

log = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, object]], None]
USER_RULES = "classify_rules.yaml"
STOP_TIMEOUT = 30.0  # seconds a check in progress may take to finish when stopping


async def wait_any(*events: asyncio.Event, seconds: float) -> None:
    """Until one of ``events`` is set or ``seconds`` pass."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _ignore(_kind: str, _info: dict[str, object]) -> None:
    return None


def default_rules(config: WatcherConfig) -> Rules:
    """The shipped phrases plus the configured (or the user's) rules file."""
    user_file = config.rules_file or paths.config_dir() / USER_RULES
    return load_rules(user_file if user_file.exists() else None)


class Watcher:
    """Watches every mailbox's INBOX (and Junk) and halts sequences on replies, bounces,
    opt-outs and auto-replies; ``connector`` opens its IMAP sessions (chosen by the
    composition root, :mod:`outreach.services`)."""

    def __init__(
        self,
        db: Engine,
        config: WatcherConfig | None = None,
        *,
        connector: InboxConnector,
        on_event: EventSink = _ignore,
        mailbox_filter: Callable[[Mailbox], bool] = lambda _m: True,
    ) -> None:
        self.db = db
        self.config = config or WatcherConfig()
        self.rules = default_rules(self.config)
        self.connector = connector
        self.on_event = on_event
        self.mailbox_filter = mailbox_filter
        self.watches: dict[int, MailboxWatch] = {}
        self._tasks: dict[int, list[asyncio.Task[None]]] = {}
        self._stopping = asyncio.Event()

    # -- the engine's InboxCheck ----------------------------------------------------

    async def recheck(self, mailbox_id: int) -> None:
        """One round trip for new mail in ``mailbox_id``; its effects are committed on return."""
        await self.check(mailbox_id)

    async def check(self, mailbox_id: int) -> list[Handled]:
        """Catch up with one mailbox now (connecting first if needed)."""
        watch = self._watch(mailbox_id)
        handled = await watch.check()
        for item in handled:
            self._report(watch, item)
        return handled

    def reload(self) -> None:
        """Re-read the classifier's rules file (SIGHUP); a bad file keeps the rules in use."""
        try:
            rules = default_rules(self.config)
        except OutreachError as exc:
            log.error("classifier rules not reloaded: %s", exc)
            return
        self.rules = rules
        for watch in self.watches.values():
            watch.rules = rules

    # -- running --------------------------------------------------------------------

    async def run(self) -> None:
        """Watch until :meth:`stop`."""
        if self.config.classify_deadline is not None:
            self._prestart = asyncio.create_task(asyncio.to_thread(prestart))
        try:
            while not self._stopping.is_set():
                try:
                    await self.refresh()
                    await self._resume_due()
                except Exception:  # noqa: BLE001 - the database may be busy: next beat
                    log.exception("watcher: could not refresh the mailboxes")
                await wait_any(self._stopping, seconds=self.config.poll_interval)
        finally:
            await self._shutdown()

    def stop(self) -> None:
        self._stopping.set()
        for watch in self.watches.values():
            watch.stop()

    async def refresh(self) -> None:
        """Start watching new mailboxes; restart changed ones, stop removed ones."""
        rows = await asyncio.to_thread(self._mailboxes)
        ours = addresses_of((row.email, row.username) for row in rows)
        wanted = {row_id(row.id): row for row in rows if self.mailbox_filter(row)}
        for mailbox_id, watch in list(self.watches.items()):
            if mailbox_id not in wanted or watch.account != account_of(wanted[mailbox_id]):
                await self._forget(mailbox_id)
        for mailbox_id, row in wanted.items():
            self._watch(mailbox_id, row).ours = ours
            if mailbox_id not in self._tasks:
                self._start(mailbox_id)

    def _mailboxes(self) -> list[Mailbox]:
        with Session(self.db) as session:
            return list(session.exec(select(Mailbox)))

    def _watch(self, mailbox_id: int, row: Mailbox | None = None) -> MailboxWatch:
        watch = self.watches.get(mailbox_id)
        if watch is None:
            if row is None:
                with Session(self.db) as session:
                    row = session.get_one(Mailbox, mailbox_id)
            watch = self.watches[mailbox_id] = MailboxWatch(
                self.db, row, self.config, self.rules, self.connector
            )
        return watch

    def _start(self, mailbox_id: int) -> None:
        watch = self.watches[mailbox_id]
        name = watch.account.email
        tasks = [asyncio.create_task(self._poll_loop(watch), name=f"watch-{name}")]
        if self.config.idle:
            doorbell = ring_on_news(watch)
            tasks.append(asyncio.create_task(doorbell, name=f"idle-{name}"))
        self._tasks[mailbox_id] = tasks

    async def _poll_loop(self, watch: MailboxWatch) -> None:
        """Check on every ring, and at least every ``poll_interval`` (``idle_poll_interval``
        where IDLE announces the INBOX's mail; spread by ±10 % so that a daemon's mailboxes
        do not all look at once)."""
        backoff = self._backoff(watch)
        while not watch.stopping.is_set():
            watch.bell.clear()
            try:
                await self.check(watch.mailbox_id)
            except InboxUnreachable as exc:  # logged once by the watch's back-off
                delay = exc.retry_in
            except SignInRequired as exc:  # only `mailbox login` mends it: pause, wait long
                if await asyncio.to_thread(self._pause_for_sign_in, watch, exc):
                    self.on_event("mailbox_paused", {"mailbox": watch.account.email,
                                                     "message": exc.message})
                delay = self.config.reconnect_max
            except Exception as exc:  # noqa: BLE001 - IMAP down: retry later, never die
                delay = backoff(exc)
            else:
                backoff = self._backoff(watch)
                delay = self._next_look(watch)
            await wait_any(watch.bell, watch.stopping, seconds=delay)

    def _pause_for_sign_in(self, watch: MailboxWatch, exc: SignInRequired) -> bool:
        with self.db.begin() as conn:
            paused = pause_for_sign_in(conn, watch.mailbox_id, exc.message, utcnow())
        if paused:
            log.warning("%s paused: %s (%s)", watch.account.email, exc.message, exc.cause)
        return paused

    def _next_look(self, watch: MailboxWatch) -> float:
        if self.config.idle and watch.idle_capable:
            return self.config.idle_poll_interval * random.uniform(0.9, 1.1)
        return self.config.poll_interval

    def _backoff(self, watch: MailboxWatch) -> Backoff:
        """A fresh reconnect back-off: logs each failure, doubles the delay up to the max."""
        delay = self.config.reconnect_min

        def next_delay(exc: Exception) -> float:
            nonlocal delay
            log.warning("%s: %s (retrying in %.0f s)", watch.account.email, exc, delay)
            current, delay = delay, min(delay * 2, self.config.reconnect_max)
            return current

        return next_delay

    async def _resume_due(self) -> None:
        """Wake paused enrollments whose day has come; open due tasks, expire late ones."""
        def resume() -> int:
            with self.db.begin() as conn:
                return resume_due(conn, utcnow())

        def settle() -> tuple[int, int, int]:
            with self.db.begin() as conn:
                done = settle_tasks(conn, utcnow())
            return done.opened, done.skipped, done.expired

        resumed = await asyncio.to_thread(resume)
        if resumed:
            self.on_event("resumed", {"enrollments": resumed})
        opened, skipped, expired = await asyncio.to_thread(settle)
        if opened or skipped or expired:
            self.on_event("tasks", {"due": opened, "skipped": skipped, "expired": expired})

    async def _forget(self, mailbox_id: int) -> None:
        """Stop watching a mailbox: a check in progress is finished first."""
        watch = self.watches.pop(mailbox_id, None)
        tasks = self._tasks.pop(mailbox_id, [])
        if watch is not None:
            watch.stop()
        if tasks:  # both loops end by themselves: a check in progress finishes, IDLE ends
            await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if watch is not None:
            await watch.close()

    async def _shutdown(self) -> None:
        for mailbox_id in list(self.watches):
            await self._forget(mailbox_id)

    def _report(self, watch: MailboxWatch, item: Handled) -> None:
        verdict = item.verdict
        ref = verdict.match.enrollment
        about = {"campaign": ref.campaign_name, "prospect": ref.email} if ref else {}
        self.on_event(
            verdict.result.kind.value,
            {
                "mailbox": watch.account.email,
                **about,
                "from": verdict.fetched.facts.from_addr,
                "subject": verdict.fetched.facts.subject,
                "via": verdict.match.via,
                "actions": [str(action) for action in verdict.actions],
                "held": verdict.held,
            },
        )
        if verdict.held is None:
            for action in verdict.actions:
                if isinstance(action, Pause):  # an out-of-office: the person waits
                    self.on_event("person_paused", {"mailbox": watch.account.email, **about,
                                                    "until": action.resume_at})
