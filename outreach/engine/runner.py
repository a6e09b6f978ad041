"""The engine: one worker per mailbox, woken by APScheduler; the database is the queue.

APScheduler (AsyncIOScheduler, 3.x) only wakes workers: a date job per mailbox at the
moment its next send may leave, and an interval job that re-reads the database (new
campaigns, resumed mailboxes) at ``poll_interval``. That job asks one question for all
mailboxes — each one's earliest queued send and its pause flag — and wakes only the
workers that would otherwise sleep past new work, so an idle daemon with hundreds of
mailboxes runs one small query per beat rather than a few per mailbox. What to send is
always read from the rows, so a restart simply reads them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection, Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from outreach import accounts
from outreach.engine.config import EngineConfig
from outreach.engine.health import (
    DatabaseUnwritable,
    clear_halt,
    is_unwritable,
    note_halt,
    unwritable,
)
from outreach.engine.hooks import InboxCheck, NoInboxCheck
from outreach.engine.presence import Leases, Presence
from outreach.engine.worker import EventSink, MailboxWorker
from outreach.errors import InboxUnreachable
from outreach.lifecycle.mailboxes import note_engine_error, note_engine_recovered
from outreach.mailbox.ports import SendAdapters
from outreach.states import PENDING
from outreach.store.models import Mailbox, Send, as_utc, utcnow

log = logging.getLogger(__name__)


def _ignore(_kind: str, _info: dict[str, object]) -> None:
    return None


WAKE_SLACK = timedelta(seconds=1)
"""A worker planning to look within this of its earliest send is left to its own wake-up."""


async def _set_event(event: asyncio.Event) -> None:
    event.set()


class SendEngine:
    """Runs every mailbox's worker until :meth:`stop`.

    ``adapters`` open each mailbox's SMTP session and Sent filer (the composition root,
    :mod:`outreach.services`, picks them).
    """

    def __init__(
        self,
        db: Engine,
        config: EngineConfig | None = None,
        *,
        adapters: SendAdapters,
        inbox_check: InboxCheck | None = None,
        on_event: EventSink = _ignore,
        kind: str = "run",
    ) -> None:
        self.db = db
        self.config = config or EngineConfig()
        self.adapters = adapters
        self.inbox_check = inbox_check or NoInboxCheck()
        self.on_event = on_event
        self.presence = Presence(db, kind, self.config.lease_ttl)
        self.leases = Leases(db, self.presence)
        self.workers: dict[int, MailboxWorker] = {}
        self._wakes: dict[int, asyncio.Event] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()
        self._planned: dict[int, datetime] = {}
        """When each sleeping worker means to look at its queue next."""
        self._paused_seen: dict[int, bool] = {}
        self.halted: DatabaseUnwritable | None = None
        """Why the engine stopped sending on its own (the database cannot be written)."""
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
        )

    async def run(self) -> None:
        """Run until :meth:`stop`; a send in flight is finished before returning.

        Raises :class:`~outreach.engine.presence.EngineBusy` when another engine owns
        this (SQLite) database, and :class:`~outreach.engine.health.DatabaseUnwritable`
        when it halted because a write to the database failed.
        """
        try:
            self.presence.start()
        except SQLAlchemyError as exc:
            if is_unwritable(exc):
                raise unwritable(exc) from exc
            raise
        self._scheduler.start()
        # Jobs are coroutines, so APScheduler runs them on this event loop (plain functions
        # would run in a thread pool, where asyncio objects must not be touched).
        self._scheduler.add_job(
            self._tick_refresh, "interval", seconds=self.config.poll_interval, id="refresh"
        )
        self._scheduler.add_job(
            self._tick_heartbeat, "interval", seconds=self.config.heartbeat, id="heartbeat"
        )
        clear_halt(self.db)
        try:
            await self._tick_heartbeat()
            await self._stopping.wait()
        finally:
            self._scheduler.shutdown(wait=False)
            await self._drain()
            self._goodbye()
        if self.halted is not None:
            raise self.halted

    def _goodbye(self) -> None:
        try:
            self.presence.stop()
        except SQLAlchemyError as exc:
            if self.halted is None:
                raise
            log.warning("could not record the engine's stop: %s", exc)

    def halt(self, halt: DatabaseUnwritable) -> None:
        """The database cannot be written: stop every worker now (the send in flight
        finishes; nothing new starts), say why everywhere, and make :meth:`run` raise."""
        if self.halted is not None:
            return
        self.halted = halt
        log.error("%s", halt.message)
        note_halt(self.db, halt)
        self.on_event("database_unwritable", {"message": halt.message})
        self.stop()

    def heartbeat(self) -> None:
        """Beat, renew and rebalance mailbox leases, then look at the queue."""
        self._beat()
        self.refresh()

    def _beat(self) -> None:
        try:
            self.presence.beat()
            self.leases.sync()
        except SQLAlchemyError as exc:
            if is_unwritable(exc):
                self.halt(unwritable(exc))
                return
            log.exception("heartbeat failed; retrying at the next one")

    async def _tick_heartbeat(self) -> None:
        await asyncio.to_thread(self._beat)
        self.refresh()

    async def _tick_refresh(self) -> None:
        self.refresh(scan=True)

    def stop(self) -> None:
        self._stopping.set()
        for wake in self._wakes.values():
            wake.set()

    def refresh(self, scan: bool = False) -> None:
        """Start workers for newly held mailboxes; with ``scan``, also wake the workers
        whose queue holds work sooner than they planned to look, or whose mailbox was
        paused or resumed meanwhile."""
        if self.presence.shared:
            held = self.leases.held
        else:
            held = self.leases.sync()  # one engine owns an SQLite database: every mailbox
        running = {m for m, task in self._tasks.items() if not task.done()}
        with Session(self.db) as session:
            starting = [m for m in held if m not in running]
            mailboxes = (
                session.exec(select(Mailbox).where(col(Mailbox.id).in_(starting))).all()
                if starting
                else []
            )
            queues = self._queues(session, running & held) if scan and running else []
        for mailbox in mailboxes:
            assert mailbox.id is not None
            self._start_worker(mailbox)
        for mailbox_id, earliest, paused in queues:
            self._wake_if_needed(mailbox_id, earliest, paused)

    @staticmethod
    def _queues(session: Session, mailbox_ids: set[int]) -> list[tuple[int, datetime | None, bool]]:
        """Per mailbox: its earliest pending send (one index seek per state) and its pause
        flag."""
        earliest = [
            select(func.min(Send.due_at))
            .where(col(Send.mailbox_id) == col(Mailbox.id), col(Send.state) == state)
            .correlate(Mailbox)
            .scalar_subquery()
            for state in PENDING
        ]
        rows = session.execute(
            select(col(Mailbox.id), col(Mailbox.paused), *earliest).where(
                col(Mailbox.id).in_(mailbox_ids)
            )
        ).all()
        result = []
        for mailbox_id, paused, *dues in rows:
            known = [as_utc(d) for d in dues if d is not None]
            result.append((int(mailbox_id), min(known) if known else None, bool(paused)))
        return result

    def _wake_if_needed(self, mailbox_id: int, earliest: datetime | None, paused: bool) -> None:
        seen = self._paused_seen.get(mailbox_id)
        self._paused_seen[mailbox_id] = paused
        planned = self._planned.get(mailbox_id)
        if planned is None:
            return  # busy right now: it reads its queue before it sleeps again
        sooner = earliest is not None and earliest < planned - WAKE_SLACK
        if sooner or (seen is not None and seen != paused):
            self.wake(mailbox_id)

    def wake(self, mailbox_id: int | None = None) -> None:
        """Look at the queue now (all mailboxes, or one)."""
        for key, event in self._wakes.items():
            if mailbox_id is None or key == mailbox_id:
                event.set()

    def _start_worker(self, mailbox: Mailbox) -> None:
        assert mailbox.id is not None
        account = accounts.account_of(mailbox)
        worker = MailboxWorker(
            self.db,
            mailbox.id,
            self.adapters.smtp(account, self.config.smtp_idle_reconnect),
            self.adapters.sent_box(account, mailbox.sent_folder, mailbox.append_to_sent),
            self.config,
            self.inbox_check,
            self.on_event,
            still_holds=self.leases.still_holds,
            stopping=self._stopping.is_set,
        )
        self.workers[mailbox.id] = worker
        self._wakes[mailbox.id] = asyncio.Event()
        self._tasks[mailbox.id] = asyncio.create_task(
            self._loop(worker, mailbox.email), name=f"outreach-{mailbox.email}"
        )

    async def _loop(self, worker: MailboxWorker, email: str) -> None:
        wake = self._wakes[worker.mailbox_id]
        trouble = _Trouble(self, worker.mailbox_id, email)
        started = False
        while not self._stopping.is_set() and worker.mailbox_id in self.leases.held:
            try:
                if not started:  # what a crash left and a backlog's re-spread: before any send
                    await worker.start()
                    started = True
                    trouble.cleared()
                delay = await worker.step()
            except InboxUnreachable as exc:  # before a follow-up; the watcher logged it
                delay = max(exc.retry_in, 1.0)
            except Exception as exc:  # noqa: BLE001 - one bad send never kills the engine
                if self._halts(exc):
                    return
                log.exception("mailbox %s: %s", worker.mailbox_id,
                              "unexpected error" if started else "could not start; retrying")
                trouble.met(exc)
                delay = self.config.poll_interval
            else:
                trouble.cleared()
            if delay > 0:
                await self._sleep(worker.mailbox_id, wake, delay)
            else:  # a burst of sends: let signals, heartbeats and other mailboxes in
                await asyncio.sleep(0)

    def _halts(self, exc: Exception) -> bool:
        """A failed write to the database halts the engine (never just the one mailbox)."""
        if isinstance(exc, DatabaseUnwritable):
            self.halt(exc)
        elif is_unwritable(exc):
            self.halt(unwritable(exc))
        return self.halted is not None

    async def _sleep(self, mailbox_id: int, wake: asyncio.Event, delay: float) -> None:
        """Wait for the scheduler's wake-up (or any earlier wake)."""
        wake.clear()
        run_at: datetime = utcnow() + timedelta(seconds=delay)
        self._planned[mailbox_id] = run_at
        self._scheduler.add_job(
            _set_event,
            "date",
            args=[wake],
            run_date=run_at,
            id=f"wake-{mailbox_id}",
            replace_existing=True,
        )
        try:
            await wake.wait()
        finally:
            self._planned.pop(mailbox_id, None)

    async def _drain(self) -> None:
        self.stop()  # workers finish the send in flight, then see the flag
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        for worker in self.workers.values():
            await worker.smtp.close()
            await asyncio.to_thread(worker.sentbox.close)


class _Trouble:
    """A worker's unexpected errors, made visible: the first of each kind is recorded (a
    mailbox health warning in ``status``, ``mailbox list`` and the dashboard, and an
    ``engine_error`` event line in the logs) and the next step that goes through clears
    it. A mailbox that fails at every step must not look healthy while it sends nothing."""

    def __init__(self, engine: SendEngine, mailbox_id: int, email: str) -> None:
        self.engine, self.mailbox_id, self.email = engine, mailbox_id, email
        self.error: str | None = None

    def met(self, exc: Exception) -> None:
        first_line = (str(exc).strip().splitlines() or [""])[0]  # not a dump of parameters
        error = f"{type(exc).__name__}: {first_line}"[:300]
        if error == self.error:
            return  # the same trouble again: recorded already
        self.error = error
        self._record(lambda conn, now: note_engine_error(conn, self.mailbox_id, error, now))
        self.engine.on_event("engine_error", {"mailbox": self.email, "message": error})

    def cleared(self) -> None:
        if self.error is None:
            return
        self.error = None
        self._record(lambda conn, now: note_engine_recovered(conn, self.mailbox_id, now))
        self.engine.on_event("engine_recovered", {"mailbox": self.email})

    def _record(self, write: Callable[[Connection, datetime], None]) -> None:
        try:
            with self.engine.db.begin() as conn:
                write(conn, utcnow())
        except SQLAlchemyError as exc:  # the database itself is the trouble: logged above
            log.warning("could not record the engine's trouble with mailbox %s: %s",
                        self.mailbox_id, exc)
