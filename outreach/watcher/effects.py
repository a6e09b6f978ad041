"""Applying the watcher's actions to the database, each with its Event row.

Runs inside the caller's transaction, re-checking each enrollment's state there (the
engine may have changed it since the decision). Shared transitions come from
:mod:`outreach.engine.outcomes`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from outreach.campaigns.context import as_utc, campaign_sequence
from outreach.engine import outcomes
from outreach.engine.queue import PENDING, schedule_step
from outreach.errors import OutreachError
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send, utcnow
from outreach.suppression import suppress
from outreach.watcher.decisions import (
    Action,
    End,
    Pause,
    SoftBounce,
    Suppress,
)
from outreach.watcher.matching import LIVE

log = logging.getLogger(__name__)


def apply_actions(session: Session, actions: Iterable[Action], inbound_id: int | None) -> list[str]:
    """Apply ``actions``; returns what was done, as short sentences (for logs and events)."""
    done: list[str] = []
    for action in actions:
        if _apply(session, action, inbound_id):
            done.append(str(action))
    return done


def _apply(session: Session, action: Action, inbound_id: int | None) -> bool:
    if isinstance(action, End):
        return end(session, action, inbound_id)
    if isinstance(action, Pause):
        return pause(session, action, inbound_id)
    if isinstance(action, SoftBounce):
        return soft_bounce(session, action, inbound_id)
    if isinstance(action, Suppress):
        return _suppress(session, action)
    return outcomes.pause_on_bounce_rate(session, action.campaign_id)


def _suppress(session: Session, action: Suppress) -> bool:
    """Suppress an address; one our validator refuses (odd sender syntax) is skipped."""
    try:
        return suppress(session, action.value, reason=action.reason, source=action.source)
    except OutreachError as exc:
        log.warning("not suppressed: %s", exc)
        return False


def _event(
    session: Session, kind: str, enrollment: Enrollment, inbound_id: int | None, **data: Any
) -> None:
    outcomes.event(
        session,
        kind,
        None,
        campaign_id=enrollment.campaign_id,
        enrollment_id=enrollment.id,
        prospect_id=enrollment.prospect_id,
        mailbox_id=enrollment.mailbox_id,
        inbound_id=inbound_id,
        **data,
    )


def end(session: Session, action: End, inbound_id: int | None) -> bool:
    """Stop a live enrollment for good (replied, stopped, bounced, unsubscribed)."""
    enrollment = session.get_one(Enrollment, action.enrollment_id)
    if enrollment.state not in LIVE:
        return False
    outcomes.end_enrollment(session, enrollment, action.state, action.reason)
    enrollment.resume_at = None
    _event(session, action.state, enrollment, inbound_id, reason=action.reason)
    return True


def pause(session: Session, action: Pause, inbound_id: int | None) -> bool:
    """Pause until ``resume_at``; queued sends move there so nothing leaves meanwhile."""
    enrollment = session.get_one(Enrollment, action.enrollment_id)
    if enrollment.state not in LIVE:
        return False
    enrollment.state, enrollment.reason = "paused", "auto_reply"
    enrollment.resume_at = enrollment.next_due_at = action.resume_at
    enrollment.updated_at = utcnow()
    session.add(enrollment)
    session.execute(
        update(Send)
        .where(
            col(Send.enrollment_id) == action.enrollment_id,
            col(Send.state).in_(PENDING),
            col(Send.due_at) < action.resume_at,
        )
        .values(due_at=action.resume_at, updated_at=utcnow())
    )
    _event(session, "paused", enrollment, inbound_id, resume_at=action.resume_at.isoformat())
    return True


def soft_bounce(session: Session, action: SoftBounce, inbound_id: int | None) -> bool:
    enrollment = session.get_one(Enrollment, action.enrollment_id)
    enrollment.soft_bounces = max(enrollment.soft_bounces + 1, action.count)
    session.add(enrollment)
    _event(session, "soft_bounce", enrollment, inbound_id, count=enrollment.soft_bounces)
    return True


def resume_due_enrollments(session: Session, now: datetime) -> int:
    """Wake paused enrollments whose ``resume_at`` has passed; returns how many."""
    due = session.exec(
        select(Enrollment).where(
            Enrollment.state == "paused",
            col(Enrollment.resume_at).is_not(None),
            col(Enrollment.resume_at) <= now,
        )
    ).all()
    for enrollment in due:
        _resume(session, enrollment, now)
    return len(due)


def _resume(session: Session, enrollment: Enrollment, now: datetime) -> None:
    assert enrollment.id is not None
    enrollment.state, enrollment.reason, enrollment.resume_at = "active", None, None
    enrollment.updated_at = now
    pending = session.exec(
        select(func.min(Send.due_at)).where(
            Send.enrollment_id == enrollment.id, col(Send.state).in_(PENDING)
        )
    ).one()
    if pending is not None:
        enrollment.next_due_at = as_utc(pending)
    else:  # the step that was in flight when the pause came never queued the next one
        _queue_next(session, enrollment, now)
    session.add(enrollment)
    _event(session, "resumed", enrollment, None)


def _queue_next(session: Session, enrollment: Enrollment, now: datetime) -> None:
    queued = select(Send.id).where(
        Send.enrollment_id == enrollment.id, Send.step_index == enrollment.next_step
    )
    if enrollment.mailbox_id is None or session.exec(queued).first() is not None:
        return
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    last_sent = session.exec(
        select(func.max(Send.sent_at)).where(Send.enrollment_id == enrollment.id)
    ).one()
    schedule_step(
        session,
        enrollment,
        campaign,
        campaign_sequence(campaign),
        session.get_one(Prospect, enrollment.prospect_id),
        session.get_one(Mailbox, enrollment.mailbox_id),
        as_utc(last_sent) if last_sent else now,
    )
