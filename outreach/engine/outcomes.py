"""State transitions of sends and enrollments, each inside the caller's transaction.

Shared by the engine (SMTP outcomes) and the watcher (replies, bounces, opt-outs).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, update
from sqlmodel import Session, col, select

from outreach.campaigns.context import prospect_zone
from outreach.engine import sendrows
from outreach.engine.queue import PENDING, next_step
from outreach.engine.sendrows import SendFacts
from outreach.store.models import (
    Campaign,
    Enrollment,
    Event,
    Mailbox,
    Prospect,
    Send,
    row_id,
    utcnow,
)
from outreach.suppression import suppress

BOUNCE_WINDOW = 50
BOUNCE_THRESHOLD = 0.05


def event(session: Session, kind: str, send: Send | None = None, **data: Any) -> None:
    session.add(
        Event(
            kind=kind,
            campaign_id=send.campaign_id if send else data.pop("campaign_id", None),
            enrollment_id=send.enrollment_id if send else data.pop("enrollment_id", None),
            prospect_id=send.prospect_id if send else data.pop("prospect_id", None),
            mailbox_id=send.mailbox_id if send else data.pop("mailbox_id", None),
            send_id=send.id if send else None,
            inbound_id=data.pop("inbound_id", None),
            data=data,
        )
    )


def record_sent(
    conn: Connection, facts: SendFacts, response: str, now: datetime
) -> tuple[bool, datetime | None]:
    """The server accepted the send: mark it sent and advance its thread, in one commit.

    This is the only work between the server's acceptance and our record of it (the
    window in which a crash leaves the send in doubt), a handful of statements. Returns
    whether the send was still in flight (else another engine settled it) and when the
    enrollment's next step is due.
    """
    if not sendrows.mark_sent(conn, facts.id, response, now):
        return False, None
    return True, advance_sent(conn, facts, now)


def advance_sent(conn: Connection, facts: SendFacts, now: datetime) -> datetime | None:
    """Advance the enrollment past a sent step and queue the next one (once only).

    ``facts`` describe the send as sent (its subject fixed). Returns when the next step is
    due, or None when there is none (finished, stopped meanwhile, or advanced before).
    """
    step = facts.sequence.steps[facts.step_index]
    if step.new_thread or facts.thread_message_id is None:
        thread = (facts.message_id, facts.subject, facts.message_id)
    else:
        chain = f"{facts.thread_references or ''} {facts.message_id}"
        thread = (facts.thread_message_id, facts.thread_subject, chain)
    planned = next_step(
        facts.sequence,
        facts.step_index + 1,
        prospect_zone(facts.prospect, facts.sequence),
        facts.prospect.email,
        facts.campaign_name,
        facts.sender,
        now,
    )
    due = planned.due_at if planned else None
    state = sendrows.advance_enrollment(conn, facts, thread, due, now)
    if state is None:
        return None
    sendrows.add_event(conn, facts, "sent", now, step=facts.step_index, message_id=facts.message_id)
    if state != "active" or planned is None:
        return None
    sendrows.queue_send(conn, {
        "enrollment_id": facts.enrollment_id, "campaign_id": facts.campaign_id,
        "mailbox_id": facts.mailbox_id, "prospect_id": facts.prospect.id,
        "step_index": planned.index, "variant": planned.variant, "state": "scheduled",
        "due_at": planned.due_at, "message_id": planned.message_id, "attempts": 0,
        "appended_to_sent": False, "created_at": now, "updated_at": now,
    })  # fmt: skip
    return planned.due_at


def advance_after_sent(conn: Connection, send_id: int, now: datetime) -> datetime | None:
    """:func:`advance_sent` for a send known by id only (recovery, stragglers)."""
    facts = sendrows.load_facts(conn, send_id)
    if facts is None or facts.state != "sent":
        return None
    return advance_sent(conn, facts, now)


def advance_stragglers(session: Session, mailbox_id: int, now: datetime) -> int:
    """Sent steps whose enrollment a crash left un-advanced (between the two commits)."""
    rows = session.exec(
        select(Send.id)
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .where(
            Send.mailbox_id == mailbox_id,
            Send.state == "sent",
            col(Enrollment.next_step) <= col(Send.step_index),
        )
    ).all()
    for send_id in rows:
        advance_after_sent(session.connection(), row_id(send_id), now)
    return len(rows)


def mark_deferred(
    session: Session, send: Send, code: int | None, message: str, retry_at: datetime
) -> None:
    send.state, send.due_at, send.smtp_code, send.error = "deferred", retry_at, code, message
    send.updated_at = utcnow()
    session.add(send)
    event(session, "deferred", send, code=code, message=message, retry_at=retry_at.isoformat())


def cancel_pending(session: Session, enrollment_id: int, reason: str) -> int:
    """Cancel every queued send of an enrollment; returns how many."""
    result = session.execute(
        update(Send)
        .where(col(Send.enrollment_id) == enrollment_id, col(Send.state).in_(PENDING))
        .values(state="cancelled", error=reason, updated_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_enrollment(session: Session, enrollment: Enrollment, state: str, reason: str) -> None:
    """Stop an enrollment for good (replied, bounced, unsubscribed, failed …)."""
    enrollment.state, enrollment.reason = state, reason
    enrollment.next_due_at, enrollment.updated_at = None, utcnow()
    session.add(enrollment)
    assert enrollment.id is not None
    cancel_pending(session, enrollment.id, f"enrollment {state}: {reason}")


def hard_bounce(session: Session, send: Send, code: int | None, message: str) -> None:
    """Permanent failure for this address: bounced, suppressed, campaign watched."""
    send.state, send.smtp_code, send.error, send.updated_at = "failed", code, message, utcnow()
    session.add(send)
    enrollment = session.get_one(Enrollment, send.enrollment_id)
    end_enrollment(session, enrollment, "bounced", f"{code or ''} {message}".strip())
    prospect = session.get_one(Prospect, send.prospect_id)
    suppress(session, prospect.email, reason="bounce", source=f"smtp {code}")
    event(session, "bounce", send, hard=True, code=code, message=message, at="smtp")
    pause_on_bounce_rate(session, send.campaign_id)


def give_up(session: Session, send: Send, message: str) -> None:
    """Temporary failures for too long: the send and the enrollment fail."""
    send.state, send.error, send.updated_at = "failed", message, utcnow()
    session.add(send)
    enrollment = session.get_one(Enrollment, send.enrollment_id)
    end_enrollment(session, enrollment, "failed", message)
    event(session, "failed", send, message=message)


def give_up_send(conn: Connection, send_id: int, message: str) -> None:
    """:func:`give_up` inside the caller's Core transaction (the engine's hot path)."""
    with Session(bind=conn) as session:
        give_up(session, session.get_one(Send, send_id), message)
        session.flush()


def stop_enrollment(conn: Connection, enrollment_id: int, state: str, reason: str) -> None:
    """:func:`end_enrollment` inside the caller's Core transaction."""
    with Session(bind=conn) as session:
        end_enrollment(session, session.get_one(Enrollment, enrollment_id), state, reason)
        session.flush()


def pause_on_bounce_rate(
    session: Session, campaign_id: int, window: int = BOUNCE_WINDOW, limit: float = BOUNCE_THRESHOLD
) -> bool:
    """Pause the campaign when bounces exceed ``limit`` of its last ``window`` sends."""
    recent = session.exec(
        select(Enrollment.state)
        .join(Send, col(Send.enrollment_id) == col(Enrollment.id))
        .where(Send.campaign_id == campaign_id, col(Send.state).in_(("sent", "failed")))
        .order_by(col(Send.updated_at).desc())
        .limit(window)
    ).all()
    bounced = sum(state == "bounced" for state in recent)
    if bounced / window <= limit:
        return False
    campaign = session.get_one(Campaign, campaign_id)
    if campaign.state != "active":
        return False
    campaign.state = "paused"
    campaign.pause_reason = (
        f"bounce rate {bounced}/{window} of the last sends is above {limit:.0%}: "
        "check the prospect list, then `outreach campaign resume`"
    )
    session.add(campaign)
    event(session, "campaign_paused", None, campaign_id=campaign_id, reason=campaign.pause_reason)
    return True


def pause_mailbox(session: Session, mailbox_id: int, reason: str, auth: bool) -> None:
    mailbox = session.get_one(Mailbox, mailbox_id)
    now = utcnow()
    mailbox.paused, mailbox.pause_reason, mailbox.paused_at = True, reason, now
    if auth:
        mailbox.last_auth_failure_at = now
    session.add(mailbox)
    event(session, "mailbox_paused", None, mailbox_id=mailbox_id, reason=reason)


def auth_retry_due(mailbox: Mailbox, now: datetime, interval: timedelta) -> bool:
    """A mailbox paused for a login failure may try once more every ``interval``."""
    last = mailbox.last_auth_failure_at
    return mailbox.paused and last is not None and now - last >= interval
