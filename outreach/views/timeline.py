"""A prospect's timeline: every step sent (or queued), every message they sent back and
what it caused, and the state changes in between — from the Send, InboundMessage and
Event tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach import wording
from outreach.i18n import _, full_date
from outreach.states import EventKind
from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Prospect, Send
from outreach.views.common import aware
from outreach.views.inbox import effects_of

INBOUND_KINDS = ("reply", "auto_reply", "bounce", "unsubscribe", "other")
# Events already shown through their Send or InboundMessage row (and those an inbound
# message caused are listed under it)
SHOWN_ELSEWHERE = ("sent", *INBOUND_KINDS)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline."""

    at: datetime | None
    kind: str
    """sent | scheduled | cancelled | failed | deferred | a message kind | an event kind"""
    campaign: str | None
    title: str
    detail: str = ""
    caused: tuple[str, ...] = ()
    """For a message: what it did (enrollments stopped, addresses suppressed …)."""


@dataclass(frozen=True)
class EnrollmentState:
    campaign: str
    state: str
    reason: str | None
    steps_sent: int
    next_due_at: datetime | None


@dataclass(frozen=True)
class Timeline:
    email: str
    enrollments: tuple[EnrollmentState, ...]
    entries: tuple[TimelineEntry, ...]


def prospect_timeline(db: Engine, prospect_id: int) -> Timeline:
    """Everything that happened with one prospect, oldest first (queued sends last)."""
    with Session(db) as session:
        prospect = session.get_one(Prospect, prospect_id)
        names = _campaign_names(session)
        entries = [
            *_send_entries(session, prospect_id, names),
            *_inbound_entries(session, prospect_id, names),
            *_event_entries(session, prospect_id, names),
        ]
        enrollments = _enrollments(session, prospect_id, names)
    entries.sort(key=_order)
    return Timeline(prospect.email, tuple(enrollments), tuple(entries))


def _order(entry: TimelineEntry) -> tuple[int, datetime, int]:
    """Queued sends last; at the same moment, a message before what it caused."""
    queued = entry.kind == "scheduled"
    caused_later = 0 if entry.kind in INBOUND_KINDS or entry.kind == "sent" else 1
    return (1 if queued else 0, entry.at or datetime.min.replace(tzinfo=UTC), caused_later)


def _campaign_names(session: Session) -> dict[int, str]:
    return {cid: name for cid, name in session.exec(select(Campaign.id, Campaign.name)) if cid}


def _send_entries(session: Session, prospect_id: int, names: dict[int, str]) -> list[TimelineEntry]:
    sends = session.exec(select(Send).where(Send.prospect_id == prospect_id)).all()
    return [_send_entry(send, names.get(send.campaign_id)) for send in sends]


def _send_entry(send: Send, campaign: str | None) -> TimelineEntry:
    step = send.step_index + 1
    if send.state == "sent":
        return TimelineEntry(
            aware(send.sent_at), "sent", campaign,
            _("step {number} sent").format(number=step), send.subject or "",
        )
    if send.state in ("scheduled", "deferred", "sending"):
        title = _("step {number} queued").format(number=step)
        if send.state == "deferred" and send.error:
            title = _("step {number} queued (retry: {error})").format(
                number=step, error=send.error
            )
        return TimelineEntry(aware(send.due_at), "scheduled", campaign, title)
    return TimelineEntry(
        aware(send.updated_at), send.state, campaign,
        _("step {number} {state}").format(number=step, state=wording.state(send.state)),
        wording.send_error(send.error),
    )


def _inbound_entries(
    session: Session, prospect_id: int, names: dict[int, str]
) -> list[TimelineEntry]:
    rows = session.exec(
        select(InboundMessage, Enrollment.campaign_id)
        .join(Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id))
        .where(Enrollment.prospect_id == prospect_id)
    ).all()
    effects = effects_of(session, [row.id for row, _unused in rows if row.id is not None])
    return [
        _inbound_entry(row, names.get(campaign_id), effects.get(row.id or 0, ()))
        for row, campaign_id in rows
    ]


def _inbound_entry(
    row: InboundMessage, campaign: str | None, caused: tuple[str, ...]
) -> TimelineEntry:
    kind = row.manual_kind or row.kind
    label = _("{kind} from {sender}").format(
        kind=wording.message_kind(kind), sender=row.from_addr or "?"
    )
    if row.manual_kind:
        label += " " + _("(re-classified by hand)")
    intent = row.manual_intent or row.intent
    if kind == "reply" and intent:
        label += ": " + wording.intent(intent)
        if row.intent_until:
            label += " " + _("until {day}").format(day=full_date(row.intent_until))
    text = " ".join((row.new_text or "").split())
    return TimelineEntry(
        aware(row.received_at or row.created_at),
        kind,
        campaign,
        label,
        text[:200] or (row.subject or ""),
        caused,
    )


def _event_entries(
    session: Session, prospect_id: int, names: dict[int, str]
) -> list[TimelineEntry]:
    events = session.exec(
        select(Event)
        .where(Event.prospect_id == prospect_id)
        .where(col(Event.inbound_id).is_(None) | col(Event.kind).in_(REFERRAL_EVENTS))
        .where(col(Event.kind).not_in(SHOWN_ELSEWHERE))
    ).all()
    return [
        TimelineEntry(
            aware(event.at),
            event.kind,
            names.get(event.campaign_id or 0),
            wording.event_kind(event.kind),
            _event_detail(event.data),
        )
        for event in events
    ]


REFERRAL_EVENTS = (EventKind.REFERRAL_PROPOSED, EventKind.REFERRAL_ENROLLED)
"""Events about the referred person caused by someone else's reply: shown on their own
timeline (the reply itself is on the referrer's)."""


def _event_detail(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", []))


def _enrollments(
    session: Session, prospect_id: int, names: dict[int, str]
) -> list[EnrollmentState]:
    rows = session.exec(
        select(Enrollment).where(Enrollment.prospect_id == prospect_id).order_by(col(Enrollment.id))
    ).all()
    return [
        EnrollmentState(
            names.get(row.campaign_id, "?"),
            row.state,
            row.reason,
            row.steps_sent,
            aware(row.next_due_at),
        )
        for row in rows
    ]
