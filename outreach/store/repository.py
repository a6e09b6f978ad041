"""The lifecycle's SQL: Core statements over the store's tables, built once at import.

Only :mod:`outreach.lifecycle` executes the statements here that write enrollments, sends
and events; readers may use the read statements. Core, not the ORM, because the engine
runs these for every message it sends: building a statement costs more than SQLite takes
to run it, and loading ORM objects (identity map, unit of work) more again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)

from outreach.states import LIVE, PENDING, PERSON_ENDS
from outreach.store.models import (
    Campaign,
    Enrollment,
    Event,
    InboundMessage,
    Mailbox,
    MailboxLease,
    Prospect,
    Send,
    Suppression,
    Task,
    as_utc,
)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


SEND, ENROLLMENT, PROSPECT = _table(Send), _table(Enrollment), _table(Prospect)
CAMPAIGN, MAILBOX, SUPPRESSION = _table(Campaign), _table(Mailbox), _table(Suppression)
EVENT, LEASE = _table(Event), _table(MailboxLease)
TASK, INBOUND = _table(Task), _table(InboundMessage)



def maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


# -- one send and its context -------------------------------------------------------------


def _suppression_of(value: Any) -> Any:
    reason = select(SUPPRESSION.c.reason).where(SUPPRESSION.c.value == value)
    return reason.correlate(PROSPECT).scalar_subquery()


_SUPPRESSION = func.coalesce(  # the address's own entry first, then its domain's
    _suppression_of(func.lower(PROSPECT.c.email)),
    _suppression_of(literal("@") + PROSPECT.c.domain),
)
_OTHER = ENROLLMENT.alias("other_enrollment")
_OTHER_CAMPAIGN = CAMPAIGN.alias("other_campaign")
def one_of(column: Any, states: Iterable[str]) -> Any:
    """``column`` is one of the (constant) ``states``, written into the SQL: an IN of bound
    values is re-rendered at every execution, which the per-send statements cannot afford."""
    return or_(*(column == literal_column(f"'{state}'") for state in states))


_PERSON_ENDED = (  # the person answered, opted out or bounced since this enrollment began
    select(_OTHER_CAMPAIGN.c.name + literal(": ") + _OTHER.c.state)
    .select_from(_OTHER.join(_OTHER_CAMPAIGN, _OTHER_CAMPAIGN.c.id == _OTHER.c.campaign_id))
    .where(
        _OTHER.c.prospect_id == ENROLLMENT.c.prospect_id,
        _OTHER.c.id != ENROLLMENT.c.id,
        one_of(_OTHER.c.state, PERSON_ENDS),
        _OTHER.c.updated_at >= ENROLLMENT.c.created_at,
    )
    .correlate(ENROLLMENT)
    .limit(1)
    .scalar_subquery()
)
FACT_COLUMNS = (
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
    _PERSON_ENDED.label("person_ended"),
)  # fmt: skip
FACTS = (
    select(*FACT_COLUMNS)
    .select_from(
        SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id)
        .join(CAMPAIGN, CAMPAIGN.c.id == SEND.c.campaign_id)
        .join(MAILBOX, MAILBOX.c.id == SEND.c.mailbox_id)
        .join(PROSPECT, PROSPECT.c.id == SEND.c.prospect_id)
    )
    .where(SEND.c.id == bindparam("send_id"))
)
FACTS_LOCKED = FACTS.with_for_update(of=SEND)  # PostgreSQL; SQLite's writer lock suffices


# -- the queue: the one due query ---------------------------------------------------------


def _queued(*where: Any) -> Any:
    """Pending sends of live work: active campaign, active enrollment, plus ``where``."""
    return and_(
        one_of(SEND.c.state, PENDING),
        CAMPAIGN.c.state == "active",
        ENROLLMENT.c.state == "active",
        *where,
    )


_QUEUE_JOIN = SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id).join(
    CAMPAIGN, CAMPAIGN.c.id == SEND.c.campaign_id
)
DUE = (
    select(SEND.c.id, SEND.c.step_index)
    .select_from(_QUEUE_JOIN)
    .where(_queued(SEND.c.mailbox_id == bindparam("mailbox_id"), SEND.c.due_at <= bindparam("now")))
    .order_by(SEND.c.due_at)
    .limit(bindparam("limit"))
)
"""Due sends of one mailbox, earliest first: the queue every sender reads."""
NEXT_DUE = (
    select(SEND.c.due_at)
    .select_from(_QUEUE_JOIN)
    .where(_queued(SEND.c.mailbox_id == bindparam("mailbox_id")))
    .order_by(SEND.c.due_at)
    .limit(1)
)
DUE_FOR_PACER = (
    select(
        SEND.c.id, SEND.c.step_index, SEND.c.due_at, SEND.c.campaign_id,
        PROSPECT.c.domain, PROSPECT.c.timezone, CAMPAIGN.c.sequence_hash,
    )  # fmt: skip
    .select_from(_QUEUE_JOIN.join(PROSPECT, PROSPECT.c.id == SEND.c.prospect_id))
    .where(_queued(SEND.c.mailbox_id == bindparam("mailbox_id"), SEND.c.due_at <= bindparam("now")))
    .order_by(SEND.c.due_at)
    .limit(bindparam("limit"))
)
"""Like :data:`DUE`, with what the pacer needs to judge each send."""


def overdue_query(mailbox_id: int, before: datetime) -> Any:
    """Queued sends of a mailbox due before ``before`` (a backlog to re-spread)."""
    return (
        select(
            SEND.c.id, SEND.c.step_index, SEND.c.campaign_id, CAMPAIGN.c.sequence_hash,
            PROSPECT.c.domain, PROSPECT.c.timezone,
        )  # fmt: skip
        .select_from(_QUEUE_JOIN.join(PROSPECT, PROSPECT.c.id == SEND.c.prospect_id))
        .where(_queued(SEND.c.mailbox_id == mailbox_id, SEND.c.due_at < before))
    )


MAILBOX_PAUSED = select(MAILBOX.c.paused).where(MAILBOX.c.id == bindparam("mailbox_id"))
SENT_AT = select(SEND.c.sent_at).where(SEND.c.message_id == bindparam("message_id"))
LEASE_OF = (
    select(LEASE.c.holder, LEASE.c.expires_at)
    .where(LEASE.c.mailbox_id == bindparam("mailbox_id"))
    .with_for_update()
)


def lease_of(conn: Connection, mailbox_id: int) -> tuple[str | None, datetime] | None:
    """The mailbox's lease (holder, expiry), locked until the transaction ends."""
    row = conn.execute(LEASE_OF, {"mailbox_id": mailbox_id}).first()
    return None if row is None else (row[0], as_utc(row[1]))


def sent_at(conn: Connection, message_id: str) -> datetime | None:
    value = conn.execute(SENT_AT, {"message_id": message_id}).scalar()
    return maybe_utc(value)


# -- writes (executed by outreach.lifecycle only) ------------------------------------------

MARK_SENDING = (
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
MARK_SENT = (
    update(SEND)
    .where(SEND.c.id == bindparam("send_id"), SEND.c.state == "sending")
    .values(
        state="sent",
        sent_at=bindparam("at"),
        smtp_code=bindparam("code"),
        smtp_response=bindparam("response"),
        updated_at=bindparam("at"),
    )
)
_ACTIVE = ENROLLMENT.c.state == "active"
ADVANCE = (
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
INSERT_SEND = insert(SEND)
INSERT_TASK = insert(TASK)
INSERT_EVENT = insert(EVENT)
INSERT_ENROLLMENT = insert(ENROLLMENT)


def cancel_pending(enrollment_ids: Any, reason: str, at: datetime) -> Any:
    """Cancel every queued send of the given enrollments."""
    return (
        update(SEND)
        .where(SEND.c.enrollment_id.in_(enrollment_ids), SEND.c.state.in_(PENDING))
        .values(state="cancelled", error=reason, updated_at=at)
    )


def live_enrollments_of(where: Any) -> Any:
    """Live enrollments (with their prospect's address and campaign) matching ``where``."""
    return enrollments_of(ENROLLMENT.c.state.in_(LIVE) & where)


def enrollments_of(where: Any) -> Any:
    """Enrollments in any state (with their prospect's address and campaign) matching
    ``where``."""
    return (
        select(
            ENROLLMENT.c.id, ENROLLMENT.c.campaign_id, ENROLLMENT.c.prospect_id,
            ENROLLMENT.c.mailbox_id, ENROLLMENT.c.state, ENROLLMENT.c.next_step,
            PROSPECT.c.email, PROSPECT.c.domain, PROSPECT.c.timezone,
            CAMPAIGN.c.name.label("campaign_name"), CAMPAIGN.c.sequence_hash,
        )  # fmt: skip
        .select_from(
            ENROLLMENT.join(PROSPECT, PROSPECT.c.id == ENROLLMENT.c.prospect_id).join(
                CAMPAIGN, CAMPAIGN.c.id == ENROLLMENT.c.campaign_id
            )
        )
        .where(where)
        .order_by(ENROLLMENT.c.id)
    )

