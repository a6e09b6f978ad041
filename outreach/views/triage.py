"""Triage by hand: re-classify an inbound message (its effects re-applied) and mark interest.

Re-classifying runs the watcher's own decision (:func:`outreach.watcher.decisions.decide`)
for the new kind and applies it with the watcher's effects. When this very message had
ended or paused the prospect's enrollment, that is undone first (queued follow-ups come
back), so an "auto-reply" that was really a reply ends the sequence as replied, and a
"reply" that was really an out-of-office pauses it instead. Suppressions and colleagues
stopped by the first verdict stay as they are (undo those in the Prospects view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, func, select

from outreach.campaigns.context import as_utc, campaign_sequence
from outreach.engine import outcomes
from outreach.engine.queue import PENDING, schedule_step
from outreach.errors import ConfigError, NotFoundError
from outreach.mailbox.classify import (
    AutoReply,
    Bounce,
    BounceReason,
    Classification,
    FailedRecipient,
    Kind,
)
from outreach.store import session_scope
from outreach.store.models import (
    Campaign,
    Enrollment,
    Event,
    InboundMessage,
    Mailbox,
    Prospect,
    Send,
    utcnow,
)
from outreach.views.inbox import INTERESTS, KINDS
from outreach.watcher.config import WatcherConfig
from outreach.watcher.decisions import Action, Situation, decide
from outreach.watcher.effects import apply_actions
from outreach.watcher.freemail import company_domain
from outreach.watcher.lookup import colleagues_of, target_of
from outreach.watcher.matching import EnrollmentRef, Match

STATE_EVENTS = ("replied", "stopped", "bounced", "unsubscribed", "paused", "resumed", "reopened")


@dataclass(frozen=True)
class Reclassified:
    """What re-classifying one message did."""

    was: str
    kind: str
    actions: tuple[str, ...]
    reopened: bool
    """The message's earlier verdict on its enrollment was undone first."""


def reclassify(
    db: Engine,
    inbound_id: int,
    kind: str,
    now: datetime | None = None,
    config: WatcherConfig | None = None,
) -> Reclassified:
    """Give message ``inbound_id`` the ``kind`` a person chose and re-apply its effects."""
    if kind not in KINDS:
        raise ConfigError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    now = now or utcnow()
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        was = row.manual_kind or row.kind
        if was == kind:
            return Reclassified(was, kind, (), False)
        reopened = _reopen_if_ended_by(session, row, now)
        row.manual_kind = None if kind == row.kind else kind
        actions = _actions_for(session, row, kind, now, config or WatcherConfig())
        done = apply_actions(session, actions, row.id)
        manual = [*row.details.get("manual_actions", []), *done]
        row.details = {**row.details, "manual_actions": manual}
        session.add(row)
        _event(session, "reclassified", row, was=was, to=kind, actions=done)
    return Reclassified(was, kind, tuple(done), reopened)


def mark_interest(db: Engine, inbound_id: int, interest: str | None) -> None:
    """Mark a reply interested / not interested (None: undecided again)."""
    if interest is not None and interest not in INTERESTS:
        raise ConfigError(f"interest must be one of {', '.join(INTERESTS)}, not {interest!r}")
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        row.interest = interest
        session.add(row)
        _event(session, "interest", row, interest=interest)


def _inbound(session: Session, inbound_id: int) -> InboundMessage:
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        raise NotFoundError(f"no inbound message #{inbound_id}", hint="reload the inbox")
    return row


def _event(session: Session, name: str, row: InboundMessage, **data: Any) -> None:
    enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
    outcomes.event(
        session,
        name,
        campaign_id=enrollment.campaign_id if enrollment else None,
        enrollment_id=row.enrollment_id,
        prospect_id=enrollment.prospect_id if enrollment else None,
        mailbox_id=row.mailbox_id,
        inbound_id=row.id,
        **data,
    )


# -- undoing the first verdict --------------------------------------------------------


def _reopen_if_ended_by(session: Session, row: InboundMessage, now: datetime) -> bool:
    """Put the enrollment back to active when this message's verdict is its current state."""
    if row.enrollment_id is None:
        return False
    enrollment = session.get_one(Enrollment, row.enrollment_id)
    last = session.exec(
        select(Event)
        .where(Event.enrollment_id == enrollment.id, col(Event.kind).in_(STATE_EVENTS))
        .order_by(col(Event.id).desc())
    ).first()
    if last is None or last.inbound_id != row.id or last.kind != enrollment.state:
        return False
    if enrollment.state == "paused":
        _unpause(session, enrollment, now)
    else:
        _uncancel(session, enrollment, now)
    _event(session, "reopened", row, was=last.kind)
    return True


def _unpause(session: Session, enrollment: Enrollment, now: datetime) -> None:
    held_until = enrollment.resume_at
    enrollment.state, enrollment.reason, enrollment.resume_at = "active", None, None
    if held_until is not None:
        session.execute(
            update(Send)
            .where(col(Send.enrollment_id) == enrollment.id, col(Send.state).in_(PENDING))
            .where(col(Send.due_at) == held_until)
            .values(due_at=now, updated_at=now)
        )
    enrollment.next_due_at = _first_pending(session, enrollment)
    enrollment.updated_at = now
    session.add(enrollment)


def _uncancel(session: Session, enrollment: Enrollment, now: datetime) -> None:
    ended = f"enrollment {enrollment.state}:%"
    session.execute(
        update(Send)
        .where(col(Send.enrollment_id) == enrollment.id, col(Send.state) == "cancelled")
        .where(col(Send.error).like(ended))
        .values(state="scheduled", error=None, updated_at=now)
    )
    enrollment.state, enrollment.reason, enrollment.updated_at = "active", None, now
    enrollment.next_due_at = _first_pending(session, enrollment)
    if enrollment.next_due_at is None:
        _queue_next(session, enrollment, now)
    session.add(enrollment)


def _first_pending(session: Session, enrollment: Enrollment) -> datetime | None:
    first = session.exec(
        select(func.min(Send.due_at)).where(
            Send.enrollment_id == enrollment.id, col(Send.state).in_(PENDING)
        )
    ).one()
    return None if first is None else as_utc(first)


def _queue_next(session: Session, enrollment: Enrollment, now: datetime) -> None:
    """No follow-up was queued (all sent, or none yet): queue the next or finish."""
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    if enrollment.mailbox_id is None:
        return
    schedule_step(
        session,
        enrollment,
        campaign,
        campaign_sequence(campaign),
        session.get_one(Prospect, enrollment.prospect_id),
        session.get_one(Mailbox, enrollment.mailbox_id),
        now,
    )


# -- the new verdict ------------------------------------------------------------------


def _actions_for(
    session: Session, row: InboundMessage, kind: str, now: datetime, config: WatcherConfig
) -> tuple[Action, ...]:
    if row.enrollment_id is None:
        return ()
    ref = _ref(session, row.enrollment_id)
    match = Match(ref, "sender", company_domain(ref.domain))
    colleagues = colleagues_of(session, match, row.mailbox_id) if kind != "bounce" else []
    situation = Situation(row.from_addr, target_of(session, ref), colleagues)
    return decide(_classification(row, kind, ref.email), situation, config, now)


def _ref(session: Session, enrollment_id: int) -> EnrollmentRef:
    enrollment = session.get_one(Enrollment, enrollment_id)
    prospect = session.get_one(Prospect, enrollment.prospect_id)
    return EnrollmentRef(
        id=enrollment_id,
        campaign_id=enrollment.campaign_id,
        prospect_id=enrollment.prospect_id,
        mailbox_id=enrollment.mailbox_id,
        email=prospect.email,
        domain=prospect.domain,
        state=enrollment.state,
    )


def _classification(row: InboundMessage, kind: str, email: str) -> Classification:
    """The verdict a person gave, in the classifier's terms."""
    bounce = auto_reply = None
    if kind == "bounce":  # by hand: the address is dead
        dead = FailedRecipient(email, "5.1.1", "failed", reason=BounceReason.USER_UNKNOWN)
        bounce = Bounce((dead,))
    elif kind == "auto_reply":
        back = row.details.get("return_date")
        auto_reply = AutoReply(date.fromisoformat(back) if back else None)
    return Classification(
        Kind(kind),
        "re-classified by hand",
        bounce=bounce,
        auto_reply=auto_reply,
        new_text=row.new_text or "",
    )
