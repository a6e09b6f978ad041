"""One send with everything needed to send it, read in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from outreach.lifecycle.snapshots import sequence_for
from outreach.lifecycle.values import Subject
from outreach.mailbox.thread import ThreadState
from outreach.sequences import Sequence
from outreach.store.models import as_utc
from outreach.store.repository import FACTS, FACTS_LOCKED, maybe_utc


@dataclass(frozen=True)
class ProspectFacts:
    """The prospect columns a send needs (merge fields, timezone, domain)."""

    id: int
    email: str
    domain: str
    first_name: str | None
    last_name: str | None
    company: str | None
    timezone: str | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class SendFacts:
    """One send with what it needs from its enrollment, campaign, prospect and mailbox."""

    id: int
    state: str
    step_index: int
    variant: int
    due_at: datetime
    message_id: str
    attempts: int
    subject: str | None
    in_reply_to: str | None
    references: str | None
    last_attempt_at: datetime | None
    enrollment_id: int
    enrollment_state: str
    next_step: int
    thread: ThreadState | None
    campaign_id: int
    campaign_state: str
    campaign_name: str
    mailbox_id: int
    mailbox_paused: bool
    sender: str
    sender_name: str | None
    prospect: ProspectFacts
    sequence: Sequence
    suppressed: str | None
    """Why the address or its domain is on the suppression list (None: it is not)."""
    person_ended: str | None
    """``campaign: state`` when the person replied, opted out or bounced in another
    campaign after this enrollment began (None: they did not)."""

    @property
    def subject_ids(self) -> Subject:
        return Subject(
            campaign_id=self.campaign_id,
            enrollment_id=self.enrollment_id,
            prospect_id=self.prospect.id,
            mailbox_id=self.mailbox_id,
            send_id=self.id,
        )


def load_facts(conn: Connection, send_id: int, *, lock: bool = False) -> SendFacts | None:
    """The send and its context in one query (None when the row is gone)."""
    row = conn.execute(FACTS_LOCKED if lock else FACTS, {"send_id": send_id}).first()
    if row is None:
        return None
    m = row._mapping
    prospect = ProspectFacts(
        m["prospect_id"], m["email"], m["domain"], m["first_name"], m["last_name"],
        m["company"], m["timezone"], m["fields"] or {},
    )  # fmt: skip
    root = m["thread_message_id"]
    thread = (
        None
        if root is None
        else ThreadState(root, m["thread_subject"], m["thread_references"] or root)
    )
    return SendFacts(
        m["id"], m["state"], m["step_index"], m["variant"], as_utc(m["due_at"]),
        m["message_id"], m["attempts"], m["subject"], m["in_reply_to"], m["references"],
        maybe_utc(m["last_attempt_at"]), m["enrollment_id"], m["enrollment_state"],
        m["next_step"], thread, m["campaign_id"], m["campaign_state"], m["campaign_name"],
        m["mailbox_id"], bool(m["paused"]), m["sender"], m["sender_name"], prospect,
        sequence_for(conn, m["campaign_id"], m["sequence_hash"]), m["suppressed"],
        m["person_ended"],
    )  # fmt: skip
