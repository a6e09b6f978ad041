"""One mailbox's sending loop: strictly one SMTP transaction at a time, at human pace.

Each send is committed as ``sending`` (its Message-ID fixed) before the SMTP transaction
and as ``sent``/``deferred``/``failed`` right after it, so a crash leaves at most the one
send in flight *in doubt*; on start that send is looked up in the Sent folder (and the
INBOX for a bounce of it): found → sent, not found → sent again with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from outreach.engine.config import EngineConfig
from outreach.engine.failures import Failure, backoff, classify_smtp_error
from outreach.engine.health import unwritable
from outreach.engine.hooks import InboxCheck
from outreach.engine.letters import Letter, prepare_letter, rebuild_letter
from outreach.engine.recovery import InDoubtResolver, respread_backlog
from outreach.lifecycle import PENDING, sending
from outreach.lifecycle.facts import SendFacts, load_facts
from outreach.lifecycle.mailboxes import (
    auth_retry_due,
    note_sent_copy_failed,
    pause_mailbox,
    resume_mailbox,
)
from outreach.lifecycle.pacer_state import load_pacer
from outreach.lifecycle.snapshots import sequence_for
from outreach.mailbox.ports import SentFiler, SmtpSender
from outreach.planner.pacing import Candidate, MailboxPacer, random_gap
from outreach.sequences.prospect import prospect_zone, zone_of
from outreach.store import session_scope
from outreach.store.models import Mailbox, Send, as_utc, row_id, utcnow
from outreach.store.repository import (
    DUE,
    DUE_FOR_PACER,
    MAILBOX_PAUSED,
    NEXT_DUE,
    maybe_utc,
)

log = logging.getLogger(__name__)

DUE_BATCH = 20
"""Due sends fetched at once when pacing is off (each is re-checked before it goes out)."""

EventSink = Callable[[str, dict[str, object]], None]


class MailboxWorker:
    """Sends the due sends of one mailbox, one after the other.

    Every transaction checks a pooled connection out and returns it before the next
    ``await``: a connection held across awaits would starve the other mailboxes' workers
    on this event loop (a pool checkout then blocks the loop itself).
    """

    def __init__(
        self,
        db: Engine,
        mailbox_id: int,
        smtp: SmtpSender,
        sentbox: SentFiler,
        config: EngineConfig,
        inbox_check: InboxCheck,
        on_event: EventSink,
        rng: random.Random | None = None,
        still_holds: Callable[[Connection, int], bool] = lambda _c, _m: True,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.db = db
        self.mailbox_id = mailbox_id
        self.smtp = smtp
        self.sentbox = sentbox
        self.config = config
        self.inbox_check = inbox_check
        self.on_event = on_event
        self.rng = rng or random.Random()
        self.pacer: MailboxPacer | None = None
        self.in_doubt = InDoubtResolver(db, mailbox_id, sentbox, on_event)
        self.next_wake: datetime | None = None
        self.still_holds = still_holds
        self.stopping = stopping
        self._lease_lost = False
        self._due: deque[tuple[int, int]] = deque()
        self._copies_tried = utcnow()
        self._copy_failure: tuple[str | None, str] | None = None
        """The last Sent-copy failure noted (folder, server's words); None after a success."""

    async def start(self) -> None:
        """Finish what a crash interrupted and re-spread a backlog, before the first send."""
        with self.db.begin() as conn:
            sending.advance_stragglers(conn, self.mailbox_id, utcnow())
        await self.retry_sent_copies()  # first: copies still failing leave doubt undecided
        await self.in_doubt.resolve()
        self._respread(utcnow())

    async def step(self) -> float:
        """Send at most one message; returns seconds until it is worth looking again."""
        now = utcnow()
        if self.next_wake and now - self.next_wake > self.config.misfire_grace:
            self._respread(now)  # we slept far longer than planned (laptop lid closed)
        if self.in_doubt.pending and await self.in_doubt.resolve() and self.in_doubt.pending:
            return 1.0  # a server-filed Sent copy may still be arriving: look again soon
        if not self._due and self._is_paused():  # a prefetched batch was checked already
            return await self._paused(self._mailbox(), now)
        if self._copy_failure and now - self._copies_tried >= self.config.sent_copy_retry:
            await self.retry_sent_copies()  # the server may take them again (space freed)
        chosen, wake = self._choose(now)
        if chosen is None:
            return min(self._sleep_until(wake, now), self._copy_retry_in(now))
        await self._send(*chosen)
        if self._lease_lost:  # the next heartbeat re-reads the leases: no tight loop until then
            self._lease_lost = False
            return self.config.heartbeat
        return 0.0

    def _sleep_until(self, wake: datetime | None, now: datetime) -> float:
        """Until ``wake`` (or the idle re-check): the engine's refresh wakes us for new work."""
        limit = max(self.config.idle_recheck, self.config.poll_interval)
        seconds = limit if wake is None else min(limit, max(0.0, (wake - now).total_seconds()))
        self.next_wake = now + timedelta(seconds=seconds)
        return seconds

    def _mailbox(self) -> Mailbox:
        with Session(self.db) as session:
            return session.get_one(Mailbox, self.mailbox_id)

    def _pacer(self) -> MailboxPacer:
        if self.pacer is None:
            with Session(self.db) as session:
                mailbox = session.get_one(Mailbox, self.mailbox_id)
                self.pacer = load_pacer(session, mailbox, utcnow(), self.rng)
        return self.pacer

    def _respread(self, now: datetime) -> None:
        if not self.config.pacing:
            return
        with session_scope(self.db) as session:
            mailbox = session.get_one(Mailbox, self.mailbox_id)
            moved = respread_backlog(session, mailbox, now, self.config.misfire_grace, self.rng)
            email = mailbox.email
        if moved:
            self.on_event("backlog_respread", {"mailbox": email, "sends": moved})

    # --- choosing -------------------------------------------------------------------

    def _is_paused(self) -> bool:
        with self.db.begin() as conn:
            return bool(conn.execute(MAILBOX_PAUSED, {"mailbox_id": self.mailbox_id}).scalar())

    def _choose(self, now: datetime) -> tuple[tuple[int, int] | None, datetime | None]:
        """The first due send the pacer lets go now, as (send id, step); else when to look."""
        if not self.config.pacing:
            return self._next_unpaced(now)
        pacer = self._pacer()
        params = {"mailbox_id": self.mailbox_id, "now": now, "limit": 20}
        with self.db.connect() as conn:
            rows = conn.execute(DUE_FOR_PACER, params).all()
            candidates = [
                (row.id, row.step_index, self._candidate(conn, row)) for row in rows
            ]
        if not rows:
            return None, self._next_due()
        earliest: datetime | None = None
        for send_id, step_index, candidate in candidates:
            blocked = pacer.blocked_until(candidate, now)
            if blocked is None:
                return (send_id, step_index), None
            earliest = blocked if earliest is None else min(earliest, blocked)
        return None, earliest

    @staticmethod
    def _candidate(conn: Connection, row: Any) -> Candidate:
        """The pacer's view of a due send."""
        sequence = sequence_for(conn, row.campaign_id, row.sequence_hash)
        return Candidate(
            key=row.id,
            due=as_utc(row.due_at),
            tz=zone_of(row.timezone, sequence),
            schedule=sequence.schedule,
            pace=sequence.pace,
            campaign=row.campaign_id,
            domain=row.domain,
        )

    def _next_unpaced(self, now: datetime) -> tuple[tuple[int, int] | None, datetime | None]:
        """Pacing off: due sends in order, fetched a batch at a time (each is re-checked
        under its row lock before it goes out)."""
        if not self._due:
            params = {"mailbox_id": self.mailbox_id, "now": now, "limit": DUE_BATCH}
            with self.db.begin() as conn:
                self._due.extend((row[0], row[1]) for row in conn.execute(DUE, params))
        if self._due:
            return self._due.popleft(), None
        return None, self._next_due()

    def _next_due(self) -> datetime | None:
        with self.db.connect() as conn:
            return maybe_utc(conn.execute(NEXT_DUE, {"mailbox_id": self.mailbox_id}).scalar())

    # --- sending --------------------------------------------------------------------

    async def _send(self, send_id: int, step_index: int) -> None:
        if step_index > 0:  # before a follow-up, the watcher takes a fresh look first
            await self.inbox_check.recheck(self.mailbox_id)
        if self.stopping():
            return  # the engine stops (or halted) meanwhile: nothing new goes out
        begun = self._begin(send_id)
        if begun is None:
            return
        facts, letter = begun
        copies = await asyncio.to_thread(self.sentbox.copy_recipients)  # may look up Sent
        recipients = [letter.recipient, *copies]
        try:
            response, taken = await self.smtp.send(letter.sender, recipients, letter.data)
        except Exception as exc:  # noqa: BLE001 - every SMTP failure becomes a send state
            failure = classify_smtp_error(exc)
            if failure.verdict != "failed":
                await self.smtp.close()  # a temporary failure may be this connection's
            if failure.verdict == "in_doubt":
                self._held_in_doubt(send_id, failure)
            else:
                self._failed(send_id, failure)
            return
        copy_wanted = taken < len(recipients) or self.sentbox.client_appends
        try:
            self._finish(facts, response)
        except SQLAlchemyError as exc:
            await self._file_unrecorded(letter, copy_wanted)
            raise unwritable(exc) from exc
        if copy_wanted:
            await self._copy_to_sent(send_id, letter)

    async def _file_unrecorded(self, letter: Letter, copy_wanted: bool) -> None:
        """The server took the send but we could not record it: its copy goes to Sent now,
        so the in-doubt check on the next start finds it instead of sending it again."""
        log.error("send %s accepted by the server but not recorded", letter.message_id)
        if not copy_wanted:
            return  # the server filed the copy itself
        try:
            await asyncio.to_thread(
                self.sentbox.file_copy, letter.message_id, letter.data, letter.date
            )
        except Exception as exc:  # noqa: BLE001 - the halt goes on; the check may miss it
            log.error("could not file %s in Sent either: %s", letter.message_id, exc)

    def _begin(self, send_id: int) -> tuple[SendFacts, Letter] | None:
        """Transaction 1: render, fix headers, commit ``sending`` before talking SMTP.

        Returns None when the send is no longer wanted (a reply stopped the prospect, the
        campaign was paused) — checked here, under the row lock, after the inbox re-check.
        """
        now = utcnow()
        with self.db.begin() as conn:
            facts = load_facts(conn, send_id, lock=True)
            if facts is None or not self._still_wanted(conn, facts, now):
                return None
            if sending.skipped_by_condition(conn, facts, now):
                self.on_event("step_skipped", {"to": facts.prospect.email,
                                               "step": facts.step_index})
                return None
            try:
                letter = prepare_letter(conn, facts, now)
            except Exception as exc:  # noqa: BLE001 - a template failing at send time
                sending.give_up(conn, facts, f"cannot render: {exc}", now)
                return None
            sending.mark_sending(
                conn,
                send_id,
                now,
                subject=letter.subject,
                in_reply_to=letter.in_reply_to,
                references=letter.references,
            )
        return replace(facts, subject=letter.subject), letter

    def _still_wanted(self, conn: Connection, facts: SendFacts, now: datetime) -> bool:
        if facts.state not in PENDING:
            return False
        if facts.mailbox_paused or facts.due_at > now:  # paused, or postponed meanwhile
            self._due.clear()
            return False
        if facts.enrollment_state != "active" or facts.campaign_state != "active":
            return False
        if not self.still_holds(conn, self.mailbox_id):
            self._due.clear()  # our lease ran out: another engine takes this mailbox over
            self._lease_lost = True
            return False
        return sending.person_still_wanted(conn, facts, now)

    def _finish(self, facts: SendFacts, response: str) -> None:
        """Right after the server's reply: ``sent`` and the thread advanced, one commit."""
        now = utcnow()
        with self.db.begin() as conn:
            recorded, next_due = sending.record_sent(conn, facts, response, now)
        if not recorded:
            log.warning("send %s was settled elsewhere while in flight", facts.id)
            return
        if self.config.pacing:
            candidate = Candidate(
                key=facts.id,
                due=facts.due_at,
                tz=prospect_zone(facts.prospect, facts.sequence),
                schedule=facts.sequence.schedule,
                pace=facts.sequence.pace,
                campaign=facts.campaign_id,
                domain=facts.prospect.domain,
            )
            self._pacer().record(candidate, now, random_gap(candidate.pace, self.rng))
        self.on_event(
            "sent",
            {
                "campaign": facts.campaign_name,
                "mailbox": facts.sender,
                "to": facts.prospect.email,
                "step": facts.step_index,
                "subject": facts.subject,
                "message_id": facts.message_id,
                "next_due_at": next_due,
            },
        )

    def _failed(self, send_id: int, failure: Failure) -> None:
        now = utcnow()
        with self.db.begin() as conn:
            facts = load_facts(conn, send_id)
            assert facts is not None, "a send in flight is never deleted"
            if failure.verdict == "pause_mailbox":
                sending.requeue_unsent(conn, send_id, now)
                pause_mailbox(conn, self.mailbox_id, failure.message, now,
                              auth=failure.retry_login)
            elif failure.verdict == "failed":
                sending.smtp_refused(conn, facts, failure.code, failure.message, now)
            elif failure.verdict == "give_up":
                sending.give_up(conn, facts, failure.message, now)
            elif facts.attempts >= self.config.max_attempts:
                why = f"gave up after {facts.attempts} attempts: {failure.message}"
                sending.give_up(conn, facts, why, now)
            else:
                delay = backoff(facts.attempts, self.config.backoff_base, self.config.backoff_max)
                sending.defer(conn, facts, failure.code, failure.message, now + delay, now)
        self.on_event(
            failure.verdict,
            {
                "campaign": facts.campaign_name,
                "mailbox": facts.sender,
                "to": facts.prospect.email,
                "step": facts.step_index,
                "code": failure.code,
                "message": failure.message,
            },
        )

    def _held_in_doubt(self, send_id: int, failure: Failure) -> None:
        """The server may have taken it: never simply sent again; the in-doubt check of the
        next step looks for it in Sent (found → sent; not found → queued again)."""
        now = utcnow()
        with self.db.begin() as conn:
            facts = load_facts(conn, send_id)
            assert facts is not None, "a send in flight is never deleted"
            if facts.attempts >= self.config.max_attempts:  # a server that always hangs
                why = f"gave up after {facts.attempts} attempts, the last in doubt: "
                sending.give_up(conn, facts, why + failure.message, now)
                self.on_event("failed", {"to": facts.prospect.email, "message": why})
                return
            sending.hold_in_doubt(conn, send_id, failure.message, now)
        self.in_doubt.pending = True
        log.warning("send %s is in doubt: %s", send_id, failure.message)
        self.on_event("in_doubt_held", {"send": send_id, "message": failure.message})

    async def _copy_to_sent(self, send_id: int, letter: Letter) -> bool:
        """File the copy; False when the server refused it (retried later)."""
        mode_before = self.sentbox.append_mode
        try:
            filed = await asyncio.to_thread(
                self.sentbox.file_copy, letter.message_id, letter.data, letter.date
            )
        except Exception as exc:  # noqa: BLE001 - the mail is out; the copy is retried later
            self._copy_failed(letter.message_id, exc)
            return False
        self._copy_failure = None
        with self.db.begin() as conn:
            sending.mark_filed(conn, send_id, filed)
        with session_scope(self.db) as session:
            if self.sentbox.append_mode != mode_before:
                mailbox = session.get_one(Mailbox, self.mailbox_id)
                mailbox.append_to_sent = self.sentbox.append_mode
                session.add(mailbox)
        return True

    def _copy_retry_in(self, now: datetime) -> float:
        """Seconds until unfiled copies are tried again (inf: none wait)."""
        if not self._copy_failure:
            return float("inf")
        due = self._copies_tried + self.config.sent_copy_retry
        return max(1.0, (due - now).total_seconds())

    def _copy_failed(self, message_id: str, exc: Exception) -> None:
        """Log each failure; a new kind of failure also becomes a health warning (event)."""
        folder = self.sentbox.sent_folder
        error = str(exc).strip() or type(exc).__name__
        where = f"APPEND to {folder!r}" if folder else "no Sent folder"
        log.error("could not file %s in Sent (%s): %s", message_id, where, error)
        if self._copy_failure == (folder, error):
            return
        self._copy_failure = (folder, error)
        with self.db.begin() as conn:
            note_sent_copy_failed(conn, self.mailbox_id, folder, error, utcnow())

    async def retry_sent_copies(self) -> None:
        """Copies to Sent that failed earlier (IMAP down right after a send, a full
        mailbox); stops at the first one still refused."""
        self._copies_tried = utcnow()
        if not self.sentbox.client_appends:
            return  # the server files the copies itself
        with Session(self.db) as session:
            missing = session.exec(
                select(Send).where(
                    Send.mailbox_id == self.mailbox_id,
                    Send.state == "sent",
                    col(Send.appended_to_sent).is_(False),
                )
            ).all()
            ids = [row_id(send.id) for send in missing]
        with self.db.connect() as conn:
            letters = [(send_id, rebuild_letter(conn, send_id)) for send_id in ids]
        for send_id, letter in letters:
            if not await self._copy_to_sent(send_id, letter):
                return

    # --- paused ---------------------------------------------------------------------

    async def _paused(self, mailbox: Mailbox, now: datetime) -> float:
        if not auth_retry_due(mailbox, now, self.config.auth_retry):
            return self.config.poll_interval
        try:
            await self.smtp.close()
            await self.smtp.login_check()
        except Exception as exc:  # noqa: BLE001 - still refused: stay paused, try later
            with self.db.begin() as conn:
                failure = classify_smtp_error(exc)
                pause_mailbox(conn, self.mailbox_id, failure.message, utcnow(),
                              auth=failure.retry_login)
            return self.config.poll_interval
        with self.db.begin() as conn:
            resume_mailbox(conn, self.mailbox_id, utcnow())
        self.on_event("mailbox_resumed", {"mailbox": mailbox.email})
        return 0.0
