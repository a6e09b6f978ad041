"""State transitions of sends and enrollments, each inside the caller's transaction.

Shared by the engine (SMTP outcomes) and the watcher (replies, bounces, opt-outs).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from outreach.engine.context import SendContext, load_context
from outreach.engine.queue import PENDING, schedule_step
from outreach.store.models import Campaign, Enrollment, Event, Mailbox, Prospect, Send, utcnow
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


def record_sent(db: Engine, send_id: int, response: str, now: datetime) -> bool:
    """The server accepted the send: one tiny commit, right after its reply.

    This is the only work between the server's acceptance and our record of it (the
    window in which a crash can cause a second send), so it is a single UPDATE; the
    thread is advanced afterwards by :func:`advance_after_sent`, idempotently.
    """
    with db.begin() as conn:
        result = conn.execute(
            update(Send)
            .where(col(Send.id) == send_id, col(Send.state) == "sending")
            .values(
                state="sent", sent_at=now, smtp_code=250, smtp_response=response, updated_at=now
            )
        )
    return bool(result.rowcount)


def advance_after_sent(session: Session, ctx: SendContext, now: datetime) -> Send | None:
    """Advance the enrollment past a sent step and queue the next one (once only)."""
    send, enrollment = ctx.send, ctx.enrollment
    if send.state != "sent" or enrollment.next_step > send.step_index:
        return None
    sequence = ctx.sequence
    if sequence.steps[send.step_index].new_thread or enrollment.thread_message_id is None:
        enrollment.thread_message_id = send.message_id
        enrollment.thread_subject = send.subject
        enrollment.thread_references = send.message_id
    else:
        enrollment.thread_references = f"{enrollment.thread_references or ''} {send.message_id}"
    enrollment.steps_sent += 1
    enrollment.next_step = send.step_index + 1
    session.add(enrollment)
    event(session, "sent", send, step=send.step_index, message_id=send.message_id)
    if enrollment.state != "active":
        return None
    return schedule_step(
        session, enrollment, ctx.campaign, sequence, ctx.prospect, ctx.mailbox, now
    )


def advance_stragglers(session: Session, mailbox_id: int, now: datetime) -> int:
    """Sent steps whose enrollment a crash left un-advanced (between the two commits)."""
    rows = session.exec(
        select(Send)
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .where(
            Send.mailbox_id == mailbox_id,
            Send.state == "sent",
            col(Enrollment.next_step) <= col(Send.step_index),
        )
    ).all()
    for send in rows:
        advance_after_sent(session, load_context(session, send.id), now)
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
