"""The engine's per-message SQL: statements built once, plain values back.

The engine runs these few statements for every message it sends. Building a SQLAlchemy
statement costs more than SQLite takes to run it, and loading ORM objects (identity map,
unit of work) more again, so the hot path uses Core statements with bound parameters,
built at import, over the store's tables, and returns frozen dataclasses. Everything
else (the watcher, the CLI, the TUI) keeps using the ORM models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)

from outreach.campaigns.context import as_utc, sequence_for
from outreach.engine.queue import PENDING
from outreach.sequences import Sequence
from outreach.store.models import (
    Campaign,
    Enrollment,
    Event,
    Mailbox,
    MailboxLease,
    Prospect,
    Send,
    Suppression,
)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


SEND, ENROLLMENT, PROSPECT = _table(Send), _table(Enrollment), _table(Prospect)
CAMPAIGN, MAILBOX, SUPPRESSION = _table(Campaign), _table(Mailbox), _table(Suppression)
EVENT, LEASE = _table(Event), _table(MailboxLease)


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
    thread_message_id: str | None
    thread_subject: str | None
    thread_references: str | None
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




def _suppression_of(value: Any) -> Any:
    reason = select(SUPPRESSION.c.reason).where(SUPPRESSION.c.value == value)
    return reason.correlate(PROSPECT).scalar_subquery()


_SUPPRESSION = func.coalesce(  # the address's own entry first, then its domain's
    _suppression_of(func.lower(PROSPECT.c.email)),
    _suppression_of(literal("@") + PROSPECT.c.domain),
)
_FACT_COLUMNS = (
    SEND.c.id, SEND.c.state, SEND.c.step_index, SEND.c.variant, SEND.c.due_at,
    SEND.c.message_id, SEND.c.attempts, SEND.c.subject, SEND.c.in_reply_to,
    SEND.c.references, SEND.c.last_attempt_at,
    ENROLLMENT.c.state.label("enrollment_state"), ENROLLMENT.c.next_step,
    ENROLLMENT.c.thread_message_id, ENROLLMENT.c.thread_subject,
    ENROLLMENT.c.thread_references,
    CAMPAIGN.c.id.label("campaign_id"), CAMPAIGN.c.state.label("campaign_state"),
    CAMPAIGN.c.name.label("campaign_name"), CAMPAIGN.c.sequence_hash,
    MAILBOX.c.id.label("mailbox_id"), MAILBOX.c.paused, MAILBOX.c.email.label("sender"),
    MAILBOX.c.display_name.label("sender_name"),
    PROSPECT.c.id.label("prospect_id"), PROSPECT.c.email, PROSPECT.c.domain,
    PROSPECT.c.first_name, PROSPECT.c.last_name, PROSPECT.c.company, PROSPECT.c.timezone,
    PROSPECT.c.fields, SEND.c.enrollment_id, _SUPPRESSION.label("suppressed"),
)  # fmt: skip
_FACTS = (
    select(*_FACT_COLUMNS)
    .select_from(
        SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id)
        .join(CAMPAIGN, CAMPAIGN.c.id == SEND.c.campaign_id)
        .join(MAILBOX, MAILBOX.c.id == SEND.c.mailbox_id)
        .join(PROSPECT, PROSPECT.c.id == SEND.c.prospect_id)
    )
    .where(SEND.c.id == bindparam("send_id"))
)
_FACTS_LOCKED = _FACTS.with_for_update(of=SEND)  # PostgreSQL; SQLite's writer lock suffices


def load_facts(conn: Connection, send_id: int, *, lock: bool = False) -> SendFacts | None:
    """The send and its context in one query (None when the row is gone)."""
    row = conn.execute(_FACTS_LOCKED if lock else _FACTS, {"send_id": send_id}).first()
    if row is None:
        return None
    m = row._mapping
    prospect = ProspectFacts(
        m["prospect_id"], m["email"], m["domain"], m["first_name"], m["last_name"],
        m["company"], m["timezone"], m["fields"] or {},
    )  # fmt: skip
    return SendFacts(
        m["id"], m["state"], m["step_index"], m["variant"], as_utc(m["due_at"]),
        m["message_id"], m["attempts"], m["subject"], m["in_reply_to"], m["references"],
        m["last_attempt_at"], m["enrollment_id"], m["enrollment_state"], m["next_step"],
        m["thread_message_id"], m["thread_subject"], m["thread_references"],
        m["campaign_id"], m["campaign_state"], m["campaign_name"], m["mailbox_id"],
        bool(m["paused"]), m["sender"], m["sender_name"], prospect,
        sequence_for(conn, m["campaign_id"], m["sequence_hash"]), m["suppressed"],
    )  # fmt: skip


_DUE = (
    select(SEND.c.id, SEND.c.step_index)
    .select_from(
        SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id).join(
            CAMPAIGN, CAMPAIGN.c.id == SEND.c.campaign_id
        )
    )
    .where(
        SEND.c.mailbox_id == bindparam("mailbox_id"),
        SEND.c.state.in_(PENDING),
        SEND.c.due_at <= bindparam("now"),
        CAMPAIGN.c.state == "active",
        ENROLLMENT.c.state == "active",
    )
    .order_by(SEND.c.due_at)
    .limit(bindparam("limit"))
)


def due_ids(conn: Connection, mailbox_id: int, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(send id, step) of the mailbox's due sends, earliest first (no pacing applied)."""
    rows = conn.execute(_DUE, {"mailbox_id": mailbox_id, "now": now, "limit": limit})
    return [(row[0], row[1]) for row in rows]


_PAUSED = select(MAILBOX.c.paused).where(MAILBOX.c.id == bindparam("mailbox_id"))


def mailbox_paused(conn: Connection, mailbox_id: int) -> bool:
    return bool(conn.execute(_PAUSED, {"mailbox_id": mailbox_id}).scalar_one())


_SENT_AT = select(SEND.c.sent_at).where(SEND.c.message_id == bindparam("message_id"))


def sent_at(conn: Connection, message_id: str) -> datetime | None:
    value = conn.execute(_SENT_AT, {"message_id": message_id}).scalar()
    return None if value is None else as_utc(value)


_LEASE = (
    select(LEASE.c.holder, LEASE.c.expires_at)
    .where(LEASE.c.mailbox_id == bindparam("mailbox_id"))
    .with_for_update()
)


def lease_of(conn: Connection, mailbox_id: int) -> tuple[str | None, datetime] | None:
    """The mailbox's lease (holder, expiry), locked until the transaction ends."""
    row = conn.execute(_LEASE, {"mailbox_id": mailbox_id}).first()
    return None if row is None else (row[0], as_utc(row[1]))


_MARK_SENDING = (
    update(SEND)
    .where(SEND.c.id == bindparam("send_id"))
    .values(
        state="sending",
        attempts=SEND.c.attempts + 1,
        last_attempt_at=bindparam("at"),
        updated_at=bindparam("at"),
        subject=bindparam("new_subject"),
        in_reply_to=bindparam("new_in_reply_to"),
        references=bindparam("new_references"),
    )
)


def mark_sending(
    conn: Connection,
    send_id: int,
    at: datetime,
    *,
    subject: str,
    in_reply_to: str | None,
    references: str | None,
) -> None:
    """Fix the send's headers and claim it for one SMTP attempt (committed before SMTP)."""
    conn.execute(
        _MARK_SENDING,
        {
            "send_id": send_id,
            "at": at,
            "new_subject": subject,
            "new_in_reply_to": in_reply_to,
            "new_references": references,
        },
    )


_MARK_SENT = (
    update(SEND)
    .where(SEND.c.id == bindparam("send_id"), SEND.c.state == "sending")
    .values(
        state="sent",
        sent_at=bindparam("at"),
        smtp_code=250,
        smtp_response=bindparam("response"),
        updated_at=bindparam("at"),
    )
)


def mark_sent(conn: Connection, send_id: int, response: str, at: datetime) -> bool:
    """``sending`` → ``sent``; False when the row was not in flight (already settled)."""
    result = conn.execute(_MARK_SENT, {"send_id": send_id, "response": response, "at": at})
    return bool(result.rowcount)


_ACTIVE = ENROLLMENT.c.state == "active"
_ADVANCE = (
    update(ENROLLMENT)
    .where(
        ENROLLMENT.c.id == bindparam("enrollment_id"),
        ENROLLMENT.c.next_step <= bindparam("step"),
    )
    .values(
        thread_message_id=bindparam("root"),
        thread_subject=bindparam("topic"),
        thread_references=bindparam("chain"),
        steps_sent=ENROLLMENT.c.steps_sent + 1,
        next_step=bindparam("following"),
        next_due_at=case((_ACTIVE, bindparam("due")), else_=ENROLLMENT.c.next_due_at),
        state=case((_ACTIVE & bindparam("last"), "finished"), else_=ENROLLMENT.c.state),
        updated_at=bindparam("at"),
    )
    .returning(ENROLLMENT.c.state)
)


def advance_enrollment(
    conn: Connection,
    facts: SendFacts,
    thread: tuple[str, str | None, str],
    next_due: datetime | None,
    at: datetime,
) -> str | None:
    """Move the enrollment past the send's step, once; its state after, None if done before.

    An active enrollment gets ``next_due`` (None: that was the last step → ``finished``);
    one stopped meanwhile (a reply) keeps its state.
    """
    root, topic, chain = thread
    row = conn.execute(
        _ADVANCE,
        {
            "enrollment_id": facts.enrollment_id,
            "step": facts.step_index,
            "root": root,
            "topic": topic,
            "chain": chain,
            "following": facts.step_index + 1,
            "due": next_due,
            "last": next_due is None,
            "at": at,
        },
    ).first()
    return None if row is None else str(row[0])


_QUEUE = insert(SEND)


def queue_send(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_QUEUE, values)


_EVENT = insert(EVENT)


def add_event(conn: Connection, facts: SendFacts, kind: str, at: datetime, **data: Any) -> None:
    conn.execute(
        _EVENT,
        {
            "at": at,
            "kind": kind,
            "campaign_id": facts.campaign_id,
            "enrollment_id": facts.enrollment_id,
            "prospect_id": facts.prospect.id,
            "mailbox_id": facts.mailbox_id,
            "send_id": facts.id,
            "inbound_id": None,
            "data": data,
        },
    )
