"""Retrying after a fix: failed enrollments and their failed sends back in the queue, or
deferred sends due now.

A send fails for good when its step cannot be rendered, when temporary failures lasted too
long, or when the mailbox's server cannot take the address; each of those can be fixed (the
prospect's data, the server, the mailbox). Bounced, replied, unsubscribed and stopped
enrollments are never retried: those are the person's answers, not our faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from outreach.lifecycle.ending import reactivate
from outreach.lifecycle.events import record
from outreach.lifecycle.values import Subject
from outreach.states import EnrollmentState, EventKind, SendState
from outreach.store.repository import ENROLLMENT, SEND

RETRYABLE = (SendState.FAILED.value, SendState.DEFERRED.value)
"""What ``campaign retry --state`` accepts."""


@dataclass(frozen=True)
class Retried:
    """What a retry re-queued."""

    enrollments: int
    """Failed enrollments made active again."""
    sends: int
    """Sends due again now."""


def retry_failed(conn: Connection, campaign_id: int, now: datetime) -> Retried:
    """Every ``failed`` enrollment of the campaign becomes active again; its failed send is
    queued again at once with its attempts reset (same Message-ID: it never went out).
    Each is recorded as ``reopened`` (``was: failed``)."""
    rows = conn.execute(
        select(ENROLLMENT.c.id, ENROLLMENT.c.prospect_id, ENROLLMENT.c.mailbox_id).where(
            ENROLLMENT.c.campaign_id == campaign_id,
            ENROLLMENT.c.state == EnrollmentState.FAILED.value,
        )
    ).all()
    sends = 0
    for enrollment_id, prospect_id, mailbox_id in rows:
        sends += _requeue_failed_sends(conn, enrollment_id, now)
        reactivate(conn, enrollment_id, now, held_until=None)
        subject = Subject(campaign_id, enrollment_id, prospect_id, mailbox_id)
        record(conn, EventKind.REOPENED, subject, when=now, was="failed", by="retry")
    return Retried(len(rows), sends)


def _requeue_failed_sends(conn: Connection, enrollment_id: int, now: datetime) -> int:
    result = conn.execute(
        update(SEND)
        .where(SEND.c.enrollment_id == enrollment_id, SEND.c.state == SendState.FAILED.value)
        .values(
            state=SendState.SCHEDULED.value, attempts=0, error=None, smtp_code=None,
            due_at=now, updated_at=now,
        )  # fmt: skip
    )
    return int(result.rowcount or 0)


def retry_deferred(conn: Connection, campaign_id: int, now: datetime) -> Retried:
    """Deferred sends of the campaign's live enrollments are due now (after fixing what made
    the server defer them), instead of waiting out their back-off."""
    live = select(ENROLLMENT.c.id).where(
        ENROLLMENT.c.campaign_id == campaign_id,
        ENROLLMENT.c.state == EnrollmentState.ACTIVE.value,
    )
    result = conn.execute(
        update(SEND)
        .where(
            SEND.c.campaign_id == campaign_id,
            SEND.c.state == SendState.DEFERRED.value,
            SEND.c.enrollment_id.in_(live.scalar_subquery()),
        )
        .values(due_at=now, updated_at=now)
    )
    conn.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id.in_(
            select(SEND.c.enrollment_id).where(
                SEND.c.campaign_id == campaign_id, SEND.c.state == SendState.DEFERRED.value
            ).scalar_subquery()
        ), ENROLLMENT.c.state == EnrollmentState.ACTIVE.value)
        .values(next_due_at=now, updated_at=now)
    )  # fmt: skip
    return Retried(0, int(result.rowcount or 0))

