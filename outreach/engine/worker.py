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

from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from outreach.engine import outcomes, sendrows
from outreach.engine.config import EngineConfig
from outreach.engine.failures import Failure, backoff, classify_smtp_error
from outreach.engine.hooks import InboxCheck
from outreach.engine.letters import Letter, prepare_letter, rebuild_letter
from outreach.engine.pacer_state import load_pacer
from outreach.engine.queue import PENDING, candidate_of, due_sends, next_due_at
from outreach.engine.recovery import InDoubtResolver, respread_backlog
from outreach.engine.sendrows import SendFacts
from outreach.mailbox.ports import SentFiler, SmtpSender
from outreach.planner.pacing import MailboxPacer, random_gap
from outreach.store import session_scope
from outreach.store.models import Mailbox, Prospect, Send, row_id, utcnow

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
        self._lease_lost = False
        self._due: deque[tuple[int, int]] = deque()

    async def start(self) -> None:
        """Finish what a crash interrupted and re-spread a backlog, before the first send."""
        with session_scope(self.db) as session:
            outcomes.advance_stragglers(session, self.mailbox_id, utcnow())
        await self.in_doubt.resolve()
        await self.retry_sent_copies()
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
        chosen, wake = self._choose(now)
        if chosen is None:
            return self._sleep_until(wake, now)
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
            return sendrows.mailbox_paused(conn, self.mailbox_id)

    def _choose(self, now: datetime) -> tuple[tuple[int, int] | None, datetime | None]:
        """The first due send the pacer lets go now, as (send id, step); else when to look."""
        if not self.config.pacing:
            return self._next_unpaced(now)
        pacer = self._pacer()
        with Session(self.db) as session:
            rows = due_sends(session, self.mailbox_id, now, 20)
        if not rows:
            return None, self._next_due()
        earliest: datetime | None = None
        for send, prospect, sequence in rows:
            blocked = pacer.blocked_until(candidate_of(send, prospect, sequence), now)
            if blocked is None:
                return (row_id(send.id), send.step_index), None
            earliest = blocked if earliest is None else min(earliest, blocked)
        return None, earliest

    def _next_unpaced(self, now: datetime) -> tuple[tuple[int, int] | None, datetime | None]:
        """Pacing off: due sends in order, fetched a batch at a time (each is re-checked
        under its row lock before it goes out)."""
        if not self._due:
            with self.db.begin() as conn:
                self._due.extend(sendrows.due_ids(conn, self.mailbox_id, now, DUE_BATCH))
        if self._due:
            return self._due.popleft(), None
        return None, self._next_due()

    def _next_due(self) -> datetime | None:
        with Session(self.db) as session:
            return next_due_at(session, self.mailbox_id)

    # --- sending --------------------------------------------------------------------

    async def _send(self, send_id: int, step_index: int) -> None:
        if step_index > 0:  # before a follow-up, the watcher takes a fresh look first
            await self.inbox_check.recheck(self.mailbox_id)
        begun = self._begin(send_id)
        if begun is None:
            return
        facts, letter = begun
        recipients = [letter.recipient, *self.sentbox.copy_recipients()]
        try:
            response, taken = await self.smtp.send(letter.sender, recipients, letter.data)
        except Exception as exc:  # noqa: BLE001 - every SMTP failure becomes a send state
            failure = classify_smtp_error(exc)
            if failure.verdict != "failed":
                await self.smtp.close()  # a temporary failure may be this connection's
            self._failed(send_id, failure)
            return
        self._finish(facts, response)
        if taken < len(recipients) or self.sentbox.client_appends:
            await self._copy_to_sent(send_id, letter)

    def _begin(self, send_id: int) -> tuple[SendFacts, Letter] | None:
        """Transaction 1: render, fix headers, commit ``sending`` before talking SMTP.

        Returns None when the send is no longer wanted (a reply stopped the prospect, the
        campaign was paused) — checked here, under the row lock, after the inbox re-check.
        """
        now = utcnow()
        with self.db.begin() as conn:
            facts = sendrows.load_facts(conn, send_id, lock=True)
            if facts is None or not self._still_wanted(conn, facts, now):
                return None
            try:
                letter = prepare_letter(conn, facts, now)
            except Exception as exc:  # noqa: BLE001 - a template failing at send time
                outcomes.give_up_send(conn, send_id, f"cannot render: {exc}")
                return None
            sendrows.mark_sending(
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
        if facts.suppressed is not None:  # suppressed after enrollment (CLI, TUI, a campaign)
            outcomes.stop_enrollment(
                conn, facts.enrollment_id, "stopped", f"suppressed ({facts.suppressed})"
            )
            return False
        return True

    def _finish(self, facts: SendFacts, response: str) -> None:
        """Right after the server's reply: ``sent`` and the thread advanced, one commit."""
        now = utcnow()
        with self.db.begin() as conn:
            recorded, next_due = outcomes.record_sent(conn, facts, response, now)
        if not recorded:
            log.warning("send %s was settled elsewhere while in flight", facts.id)
            return
        if self.config.pacing:
            candidate = candidate_of(facts, facts.prospect, facts.sequence)
            self._pacer().record(candidate, now, random_gap(candidate.pace, self.rng))
        self.on_event(
            "sent",
            {
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
        with session_scope(self.db) as session:
            send = session.get_one(Send, send_id)
            email = session.get_one(Prospect, send.prospect_id).email
            if failure.verdict == "pause_mailbox":
                send.state, send.attempts = "scheduled", max(0, send.attempts - 1)
                session.add(send)
                outcomes.pause_mailbox(session, self.mailbox_id, failure.message, auth=True)
            elif failure.verdict == "failed":
                outcomes.hard_bounce(session, send, failure.code, failure.message)
            elif send.attempts >= self.config.max_attempts:
                outcomes.give_up(
                    session, send, f"gave up after {send.attempts} attempts: {failure.message}"
                )
            else:
                delay = backoff(send.attempts, self.config.backoff_base, self.config.backoff_max)
                outcomes.mark_deferred(session, send, failure.code, failure.message, now + delay)
        self.on_event(
            failure.verdict, {"to": email, "code": failure.code, "message": failure.message}
        )

    async def _copy_to_sent(self, send_id: int, letter: Letter) -> None:
        mode_before = self.sentbox.append_mode
        try:
            filed = await asyncio.to_thread(
                self.sentbox.file_copy, letter.message_id, letter.data, letter.date
            )
        except Exception as exc:  # noqa: BLE001 - the mail is out; the copy is retried later
            log.warning("could not copy %s to Sent: %s", letter.message_id, exc)
            return
        with session_scope(self.db) as session:
            send = session.get_one(Send, send_id)
            send.appended_to_sent = filed
            session.add(send)
            if self.sentbox.append_mode != mode_before:
                mailbox = session.get_one(Mailbox, self.mailbox_id)
                mailbox.append_to_sent = self.sentbox.append_mode
                session.add(mailbox)

    async def retry_sent_copies(self) -> None:
        """Copies to Sent that failed earlier (IMAP down right after a send)."""
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
            await self._copy_to_sent(send_id, letter)

    # --- paused ---------------------------------------------------------------------

    async def _paused(self, mailbox: Mailbox, now: datetime) -> float:
        if not outcomes.auth_retry_due(mailbox, now, self.config.auth_retry):
            return self.config.poll_interval
        try:
            await self.smtp.close()
            await self.smtp.login_check()
        except Exception as exc:  # noqa: BLE001 - still refused: stay paused, try later
            with session_scope(self.db) as session:
                outcomes.pause_mailbox(
                    session, self.mailbox_id, classify_smtp_error(exc).message, auth=True
                )
            return self.config.poll_interval
        with session_scope(self.db) as session:
            row = session.get_one(Mailbox, self.mailbox_id)
            row.paused, row.pause_reason, row.last_auth_failure_at = False, None, None
            session.add(row)
        self.on_event("mailbox_resumed", {"mailbox": mailbox.email})
        return 0.0
