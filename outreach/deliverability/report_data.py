"""Loading what a report counts, as plain values: sends, outcomes (replies, bounces,
opt-outs, auto-replies) attributed to the send they answer, and enrollments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Mailbox, Send, as_utc

SENT_STATES = ("sent",)
DATE_PRECISION = timedelta(seconds=1)
LIVE = ("active", "paused")


@dataclass(frozen=True)
class SendFact:
    """One message handed to the server (accepted, or refused with a 5xx)."""

    id: int
    campaign: str
    enrollment_id: int
    step: int
    variant: int
    mailbox: str
    at: datetime
    message_id: str


@dataclass(frozen=True)
class Outcome:
    """What came back for one send: reply, unsubscribe, auto_reply, bounce_hard/soft."""

    kind: str
    send: SendFact
    at: datetime


@dataclass(frozen=True)
class EnrollmentFact:
    campaign: str
    state: str
    mailbox: str
    next_step: int


@dataclass(frozen=True)
class ReportData:
    sends: list[SendFact]
    outcomes: list[Outcome]
    enrollments: list[EnrollmentFact]


def load_report_data(session: Session, campaign_ids: list[int]) -> ReportData:
    names = {c.id: c.name for c in session.exec(select(Campaign))}
    boxes = {m.id: m.email for m in session.exec(select(Mailbox))}
    smtp_bounced = _smtp_bounced(session, campaign_ids)
    sends = [_fact(s, names, boxes) for s in _sends(session, campaign_ids, set(smtp_bounced))]
    by_id = {s.id: s for s in sends}
    outcomes = [Outcome("bounce_hard", by_id[i], at) for i, at in smtp_bounced.items()
                if i in by_id]
    outcomes += _inbound_outcomes(session, campaign_ids, sends)
    return ReportData(sends, outcomes, _enrollments(session, campaign_ids, names, boxes))


def _smtp_bounced(session: Session, campaign_ids: list[int]) -> dict[int, datetime]:
    """Send ids the server refused with a 5xx (the engine's ``bounce`` events)."""
    rows = session.exec(select(Event).where(
        Event.kind == "bounce", col(Event.send_id).is_not(None),
        col(Event.campaign_id).in_(campaign_ids)))
    return {row.send_id: as_utc(row.at) for row in rows if row.send_id is not None}


def _sends(session: Session, campaign_ids: list[int], bounced: set[int]) -> list[Send]:
    rows = session.exec(select(Send).where(col(Send.campaign_id).in_(campaign_ids)))
    return [s for s in rows if s.state in SENT_STATES or s.id in bounced]


def _fact(send: Send, names: dict[int | None, str], boxes: dict[int | None, str]) -> SendFact:
    assert send.id is not None
    at = as_utc(send.sent_at or send.last_attempt_at or send.due_at)
    return SendFact(send.id, names[send.campaign_id], send.enrollment_id, send.step_index,
                    send.variant, boxes.get(send.mailbox_id, "?"), at, send.message_id)


def _inbound_outcomes(session: Session, campaign_ids: list[int],
                      sends: list[SendFact]) -> list[Outcome]:
    enrollment_ids = select(Enrollment.id).where(col(Enrollment.campaign_id).in_(campaign_ids))
    rows = session.exec(select(InboundMessage).where(
        col(InboundMessage.enrollment_id).in_(enrollment_ids)))
    by_enrollment: dict[int, list[SendFact]] = {}
    for send in sorted(sends, key=lambda s: s.at):
        by_enrollment.setdefault(send.enrollment_id, []).append(send)
    by_message_id = {s.message_id: s for s in sends}
    found = (_outcome(row, by_enrollment, by_message_id) for row in rows)
    return [outcome for outcome in found if outcome is not None]


def _outcome(row: InboundMessage, by_enrollment: dict[int, list[SendFact]],
             by_message_id: dict[str, SendFact]) -> Outcome | None:
    kind = _kind(row)
    at = as_utc(row.received_at or row.created_at)
    answered = by_message_id.get(str(row.details.get("original_message_id") or ""))
    answered = answered or _latest_before(by_enrollment.get(row.enrollment_id or -1, []),
                                          _arrived_by(row))
    if kind is None or answered is None:
        return None
    return Outcome(kind, answered, at)


def _arrived_by(row: InboundMessage) -> datetime:
    """A bound on when the answer was written: its Date header has whole seconds (so + 1 s),
    and it cannot be later than when the watcher recorded it."""
    recorded = as_utc(row.created_at)
    if row.received_at is None:
        return recorded
    return min(recorded, as_utc(row.received_at) + DATE_PRECISION)


def _kind(row: InboundMessage) -> str | None:
    kind = row.manual_kind or row.kind
    if kind == "bounce":
        if row.details.get("final") is False:
            return None  # a delay warning: the server still retries
        return "bounce_hard" if row.details.get("hard") else "bounce_soft"
    return kind if kind in ("reply", "unsubscribe", "auto_reply") else None


def _latest_before(sends: list[SendFact], at: datetime) -> SendFact | None:
    """The step an answer answers: the last one sent before it arrived (else the first)."""
    before = [s for s in sends if s.at < at]
    return before[-1] if before else (sends[0] if sends else None)


def _enrollments(session: Session, campaign_ids: list[int], names: dict[int | None, str],
                 boxes: dict[int | None, str]) -> list[EnrollmentFact]:
    rows = session.exec(select(Enrollment).where(col(Enrollment.campaign_id).in_(campaign_ids)))
    return [EnrollmentFact(names[e.campaign_id], e.state, boxes.get(e.mailbox_id, "?"),
                           e.next_step) for e in rows]
