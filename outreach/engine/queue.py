"""The queue is the database: creating and reading send rows.

A send row is created for an enrollment's next step only (when the enrollment starts or
its previous step was sent), with its Message-ID already fixed and ``due_at`` the moment
its wait is over and the prospect's window is open. Pacing (gaps, caps, throttles) is
decided at send time by the mailbox's pacer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from outreach.campaigns.context import ProspectLike, prospect_zone, sequence_for
from outreach.engine.compose import new_message_id
from outreach.planner.pacing import Candidate
from outreach.planner.windows import after_wait, next_open
from outreach.sequences import Sequence, choose_variant
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send, row_id, utcnow

PENDING = ("scheduled", "deferred")


@dataclass(frozen=True)
class NextStep:
    """The send row to queue for an enrollment's next step."""

    index: int
    variant: int
    due_at: datetime
    message_id: str


def next_step(
    sequence: Sequence,
    index: int,
    tz: ZoneInfo,
    prospect_email: str,
    campaign_name: str,
    sender: str,
    after: datetime,
) -> NextStep | None:
    """Step ``index`` due once its wait after ``after`` is over; None past the last step."""
    if index >= len(sequence.steps):
        return None
    step = sequence.steps[index]
    eligible = after_wait(step.wait, after, tz) if index else after
    return NextStep(
        index=index,
        variant=choose_variant(prospect_email, campaign_name, step),
        due_at=next_open(sequence.schedule, tz, eligible),
        message_id=new_message_id(sender),
    )


def schedule_step(
    session: Session,
    enrollment: Enrollment,
    campaign: Campaign,
    sequence: Sequence,
    prospect: Prospect,
    mailbox: Mailbox,
    after: datetime,
) -> Send | None:
    """Queue the enrollment's ``next_step``, due once its wait after ``after`` is over.

    Returns None (and marks the enrollment finished) when every step was sent.
    """
    tz = prospect_zone(prospect, sequence)
    planned = next_step(
        sequence, enrollment.next_step, tz, prospect.email, campaign.name, mailbox.email, after
    )
    if planned is None:
        enrollment.state, enrollment.next_due_at = "finished", None
        return None
    send = Send(
        enrollment_id=row_id(enrollment.id),
        campaign_id=row_id(campaign.id),
        mailbox_id=row_id(mailbox.id),
        prospect_id=row_id(prospect.id),
        step_index=planned.index,
        variant=planned.variant,
        due_at=planned.due_at,
        message_id=planned.message_id,
    )
    enrollment.next_due_at = send.due_at
    enrollment.updated_at = utcnow()
    session.add(send)
    session.add(enrollment)
    return send


def due_sends_query(
    mailbox_id: int, now: datetime, limit: int = 20
) -> SelectOfScalar[tuple[Send, Prospect, str]]:
    """Sends of one mailbox whose time has come, in active campaigns and enrollments.

    The campaign comes as its sequence hash only: its (parsed, cached) sequence is looked
    up by hash, so the hot path never decodes the snapshot.
    """
    return (
        select(Send, Prospect, Campaign.sequence_hash)  # type: ignore[return-value]
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
        .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
        .where(
            col(Send.mailbox_id) == mailbox_id,
            col(Send.state).in_(PENDING),
            col(Send.due_at) <= now,
            col(Campaign.state) == "active",
            col(Enrollment.state) == "active",
        )
        .order_by(col(Send.due_at))
        .limit(limit)
    )


def due_sends(
    session: Session, mailbox_id: int, now: datetime, limit: int = 20
) -> list[tuple[Send, Prospect, Sequence]]:
    rows = session.exec(due_sends_query(mailbox_id, now, limit)).all()
    return [
        (send, prospect, sequence_for(session, send.campaign_id, digest))
        for send, prospect, digest in rows
    ]


class SendLike(Protocol):
    """A send row, or the engine's plain copy of one."""

    @property
    def id(self) -> int | None: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def campaign_id(self) -> int: ...


def candidate_of(send: SendLike, prospect: ProspectLike, sequence: Sequence) -> Candidate:
    """The pacer's view of a send."""
    return Candidate(
        key=send.id,
        due=send.due_at,
        tz=prospect_zone(prospect, sequence),
        schedule=sequence.schedule,
        pace=sequence.pace,
        campaign=send.campaign_id,
        domain=prospect.domain,
    )


def next_due_at(session: Session, mailbox_id: int) -> datetime | None:
    """When the mailbox's earliest pending send becomes due (for the engine's wake-up)."""
    query = (
        select(Send.due_at)
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
        .where(
            col(Send.mailbox_id) == mailbox_id,
            col(Send.state).in_(PENDING),
            col(Campaign.state) == "active",
            col(Enrollment.state) == "active",
        )
        .order_by(col(Send.due_at))
        .limit(1)
    )
    return session.exec(query).first()
