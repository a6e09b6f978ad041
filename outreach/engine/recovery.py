"""After a crash or a long sleep: settle in-doubt sends and re-spread an overdue backlog."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.campaigns.context import campaign_sequence, prospect_zone
from outreach.engine import outcomes
from outreach.engine.pacer_state import load_pacer
from outreach.engine.queue import PENDING
from outreach.mailbox.ports import SentFiler
from outreach.planner.pacing import Candidate
from outreach.planner.simulate import PlanItem, simulate
from outreach.store import session_scope
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send, row_id, utcnow

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=30)
"""How long after an attempt a server-filed Sent copy may still be on its way."""


class InDoubtResolver:
    """Sends left in ``sending`` by a crash: look for them over IMAP before sending again.

    Found in Sent (or a bounce in the INBOX names the Message-ID) → the server took it:
    ``sent``. Not found → back to the queue with the same Message-ID. While IMAP cannot be
    reached the send stays in doubt: never sent twice on a guess.
    """

    def __init__(
        self,
        db: Engine,
        mailbox_id: int,
        sentbox: SentFiler,
        on_event: Callable[[str, dict[str, object]], None],
    ) -> None:
        self.db, self.mailbox_id, self.sentbox, self.on_event = db, mailbox_id, sentbox, on_event
        self.pending = True
        self.settle = SETTLE

    async def resolve(self) -> bool:
        """Settle what can be settled; returns whether it could look (IMAP reachable)."""
        with Session(self.db) as session:
            doubtful = session.exec(
                select(Send.id, Send.message_id, Send.last_attempt_at).where(
                    Send.mailbox_id == self.mailbox_id, Send.state == "sending"
                )
            ).all()
        waiting = False
        for send_id, message_id, attempted in doubtful:
            try:
                found = await asyncio.to_thread(self._found, message_id)
            except Exception as exc:  # noqa: BLE001 - IMAP down: stay in doubt, retry later
                log.warning("cannot check in-doubt send %s yet: %s", message_id, exc)
                self.pending = True
                return False
            if not found and self._may_still_arrive(attempted):
                waiting = True
                continue
            self._settle(send_id, found)
        self.pending = waiting
        return True

    def _may_still_arrive(self, attempted: datetime | None) -> bool:
        """Where the server files the Sent copy, it may land a moment after acceptance."""
        if not self.sentbox.server_files_copies or attempted is None:
            return False
        return utcnow() - attempted < self.settle

    def _found(self, message_id: str) -> bool:
        return self.sentbox.in_sent(message_id) or self.sentbox.bounce_mentions(message_id)

    def _settle(self, send_id: int | None, found: bool) -> None:
        now = utcnow()
        with session_scope(self.db) as session:
            send = session.get_one(Send, send_id)
            if send.state != "sending":
                return
            if found:
                send.state, send.sent_at, send.smtp_response = "sent", now, "in doubt; found"
                send.appended_to_sent = True
                session.add(send)
                session.flush()
                outcomes.advance_after_sent(session.connection(), row_id(send.id), now)
            else:
                send.state, send.due_at = "scheduled", now
                session.add(send)
            outcomes.event(session, "in_doubt_resolved", send, found=found)
        self.on_event("in_doubt", {"message_id": send.message_id, "found": found})


def respread_backlog(
    session: Session, mailbox: Mailbox, now: datetime, grace: timedelta, rng: random.Random
) -> int:
    """Give sends overdue by more than ``grace`` new due times, paced from now on.

    A laptop that wakes after three days must not fire its backlog: the overdue sends are
    laid out again by the planner (gaps, caps, windows) starting now.
    """
    rows = session.exec(
        select(Send, Prospect, Campaign)
        .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
        .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .where(
            Send.mailbox_id == mailbox.id,
            col(Send.state).in_(PENDING),
            col(Send.due_at) < now - grace,
            Campaign.state == "active",
            Enrollment.state == "active",
        )
    ).all()
    if not rows:
        return 0
    items: list[PlanItem] = []
    sends: dict[Hashable, Send] = {}
    for send, prospect, campaign in rows:
        sequence = campaign_sequence(campaign)
        candidate = Candidate(
            send.id,
            now,
            prospect_zone(prospect, sequence),
            sequence.schedule,
            sequence.pace,
            send.campaign_id,
            prospect.domain,
        )
        steps = sequence.steps[: send.step_index + 1]
        items.append(PlanItem(send.id, mailbox.email, send.step_index, candidate, steps))
        sends[send.id] = send
    pacer = load_pacer(session, mailbox, now, rng)
    for planned in simulate(items, {mailbox.email: pacer}, now, now + timedelta(days=365)):
        send = sends[planned.enrollment]
        send.due_at = planned.at
        session.add(send)
    log.info("re-spread %d overdue sends of %s", len(rows), mailbox.email)
    return len(rows)
