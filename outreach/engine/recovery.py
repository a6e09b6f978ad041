"""After a crash or a long sleep: settle in-doubt sends and re-spread an overdue backlog."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.lifecycle import sending
from outreach.lifecycle.pacer_state import load_pacer
from outreach.lifecycle.snapshots import sequence_for
from outreach.mailbox.ports import SentFiler
from outreach.planner.pacing import Candidate
from outreach.planner.simulate import PlanItem, simulate
from outreach.sequences.prospect import zone_of
from outreach.store.models import Mailbox, Send, row_id, utcnow
from outreach.store.repository import overdue_query

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=30)
"""How long after an attempt a server-filed Sent copy may still be on its way."""


class InDoubtResolver:
    """Sends left in ``sending`` by a crash: look for them over IMAP before sending again.

    Found in Sent (or a bounce in the INBOX names the Message-ID) → the server took it:
    ``sent``. Not found → back to the queue with the same Message-ID. While IMAP cannot be
    reached the send stays in doubt: never sent twice on a guess. Nor when our copies to
    Sent are failing (sent mail of this mailbox waits unfiled) or the server has no Sent
    folder: then a copy missing from Sent proves nothing. Such a send stays ``sending``
    (``status`` counts it) and is looked at again on the next start.
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
        self.undecided: set[str] = set()
        """In-doubt sends that nothing can settle now (no Sent folder, copies failing)."""

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
            except LookupError as exc:  # no Sent folder: nothing to look in
                self._undecidable(message_id, str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - IMAP down: stay in doubt, retry later
                log.warning("cannot check in-doubt send %s yet: %s", message_id, exc)
                self.pending = True
                return False
            if not found and self._may_still_arrive(attempted):
                waiting = True
                continue
            if not found and self._filing_failed():
                self._undecidable(message_id, "our copies to Sent are failing")
                continue
            self._settle(row_id(send_id), message_id, found)
        self.pending = waiting
        return True

    def _may_still_arrive(self, attempted: datetime | None) -> bool:
        """Where the server files the Sent copy, it may land a moment after acceptance."""
        if not self.sentbox.server_files_copies or attempted is None:
            return False
        return utcnow() - attempted < self.settle

    def _filing_failed(self) -> bool:
        """Whether sent mail of this mailbox waits unfiled while we APPEND the copies."""
        if not self.sentbox.client_appends:
            return False
        with Session(self.db) as session:
            unfiled = session.exec(
                select(Send.id).where(
                    Send.mailbox_id == self.mailbox_id,
                    Send.state == "sent",
                    col(Send.appended_to_sent).is_(False),
                ).limit(1)
            ).first()
        return unfiled is not None

    def _undecidable(self, message_id: str, why: str) -> None:
        if message_id not in self.undecided:
            log.error("send %s stays in doubt (%s): not sent again on a guess; check whether "
                      "the prospect received it", message_id, why)  # fmt: skip
        self.undecided.add(message_id)

    def _found(self, message_id: str) -> bool:
        return self.sentbox.in_sent(message_id) or self.sentbox.bounce_mentions(message_id)

    def _settle(self, send_id: int, message_id: str, found: bool) -> None:
        with self.db.begin() as conn:
            settled = sending.settle_in_doubt(conn, send_id, found, utcnow())
        if settled:
            self.on_event("in_doubt", {"message_id": message_id, "found": found})


def respread_backlog(
    session: Session, mailbox: Mailbox, now: datetime, grace: timedelta, rng: random.Random
) -> int:
    """Give sends overdue by more than ``grace`` new due times, paced from now on.

    A laptop that wakes after three days must not fire its backlog: the overdue sends are
    laid out again by the planner (gaps, caps, windows) starting now.
    """
    conn = session.connection()
    rows = conn.execute(overdue_query(row_id(mailbox.id), now - grace)).all()
    if not rows:
        return 0
    items: list[PlanItem] = []
    for row in rows:
        sequence = sequence_for(conn, row.campaign_id, row.sequence_hash)
        candidate = Candidate(
            row.id,
            now,
            zone_of(row.timezone, sequence),
            sequence.schedule,
            sequence.pace,
            row.campaign_id,
            row.domain,
        )
        steps = sequence.steps[: row.step_index + 1]
        items.append(PlanItem(row.id, mailbox.email, row.step_index, candidate, steps))
    pacer = load_pacer(session, mailbox, now, rng)
    planned = simulate(items, {mailbox.email: pacer}, now, now + timedelta(days=365))
    sending.reschedule(conn, {cast(int, p.enrollment): p.at for p in planned}, now)
    log.info("re-spread %d overdue sends of %s", len(rows), mailbox.email)
    return len(rows)
