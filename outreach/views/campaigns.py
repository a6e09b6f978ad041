"""Campaigns as the TUI shows them: a funnel per step and A/B variant, and enrollments.

An outcome (reply, bounce, opt-out, auto-reply) counts against the last step the
prospect was sent before it: that step's words are what they answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from outreach.campaigns.views import list_campaigns
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.store.models import Campaign, Enrollment, InboundMessage, Mailbox, Prospect, Send
from outreach.views.common import Page, aware, check_page_args

LIVE = ("active", "paused")
ENROLLMENT_STATES = (
    "active",
    "paused",
    "finished",
    "replied",
    "stopped",
    "bounced",
    "unsubscribed",
    "invalid",
    "failed",
)


@dataclass(frozen=True)
class StepFunnel:
    """One step (and variant) of a campaign: how many got it and what they did next."""

    step: int
    """1-based step number."""
    variant: str
    """"" for a step without A/B variants, else "A", "B" …"""
    sent: int
    replied: int
    bounced: int
    unsubscribed: int
    auto_replies: int
    in_progress: int
    """Still live (waiting for their next step) with this as their last step."""

    def share(self, count: int) -> float:
        """``count`` as a fraction of the sends of this step (0 when none were sent)."""
        return count / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class CampaignSummary:
    name: str
    state: str
    pause_reason: str | None
    sequence: str
    steps: int
    mailboxes: tuple[str, ...]
    enrolled: int
    by_state: dict[str, int]
    funnel: tuple[StepFunnel, ...]


@dataclass(frozen=True)
class EnrollmentRow:
    email: str
    name: str
    state: str
    reason: str | None
    steps_sent: int
    next_due_at: datetime | None
    mailbox: str | None


def campaign_summaries(db: Engine) -> list[CampaignSummary]:
    """Every campaign with its funnel (oldest first)."""
    with Session(db) as session:
        variants = _variant_counts(session)
        funnels = _funnels(session, variants)
    return [
        CampaignSummary(
            name=row["name"],
            state=row["state"],
            pause_reason=row["pause_reason"],
            sequence=row["sequence"],
            steps=row["steps"],
            mailboxes=tuple(row["mailboxes"]),
            enrolled=row["enrolled"],
            by_state=dict(row["by_state"]),
            funnel=funnels.get(row["name"], ()),
        )
        for row in list_campaigns(db)
    ]


def _variant_counts(session: Session) -> dict[tuple[str, int], int]:
    """How many variants each (campaign, step) has, from the campaign's sequence snapshot."""
    counts: dict[tuple[str, int], int] = {}
    for campaign in session.exec(select(Campaign)):
        for step in campaign_sequence(campaign).steps:
            counts[(campaign.name, step.index)] = len(step.variants)
    return counts


Key = tuple[str, int, int]  # campaign name, step index, variant


def _funnels(
    session: Session, variants: dict[tuple[str, int], int]
) -> dict[str, tuple[StepFunnel, ...]]:
    sent = _sent_counts(session)
    outcomes = _outcome_counts(session)
    autos = _auto_reply_counts(session)
    keys = sorted(set(sent) | set(outcomes) | set(autos))
    grouped: dict[str, list[StepFunnel]] = defaultdict(list)
    for key in keys:
        name, step, variant = key
        states = outcomes.get(key, Counter())
        label = chr(65 + variant) if variants.get((name, step), 1) > 1 else ""
        grouped[name].append(
            StepFunnel(
                step=step + 1,
                variant=label,
                sent=sent.get(key, 0),
                replied=states["replied"],
                bounced=states["bounced"],
                unsubscribed=states["unsubscribed"],
                auto_replies=autos.get(key, 0),
                in_progress=states["active"] + states["paused"],
            )
        )
    return {name: tuple(rows) for name, rows in grouped.items()}


def _sent_counts(session: Session) -> dict[Key, int]:
    rows = session.exec(
        select(Campaign.name, Send.step_index, Send.variant, func.count())
        .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
        .where(col(Send.state) == "sent")
        .group_by(col(Campaign.name), col(Send.step_index), col(Send.variant))
    ).all()
    return {(name, step, variant): count for name, step, variant, count in rows}


def _last_sent() -> Any:
    """Per enrollment, its last sent step (a subquery)."""
    return (
        select(Send.enrollment_id, func.max(Send.step_index).label("last_step"))
        .where(col(Send.state).in_(("sent", "failed")))
        .group_by(col(Send.enrollment_id))
        .subquery()
    )


def _last_send_of(send: Any, last: Any) -> Any:
    """Join condition: the send row of an enrollment's last sent step."""
    return and_(
        col(send.enrollment_id) == col(Enrollment.id), col(send.step_index) == last.c.last_step
    )


def _outcome_counts(session: Session) -> dict[Key, Counter[str]]:
    last = _last_sent()
    send = aliased(Send)
    rows = session.execute(
        sa_select(
            *map(col, (Campaign.name, send.step_index, send.variant, Enrollment.state)),
            func.count(),
        )
        .join(last, last.c.enrollment_id == col(Enrollment.id))
        .join(send, _last_send_of(send, last))
        .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
        .group_by(
            col(Campaign.name), col(send.step_index), col(send.variant), col(Enrollment.state)
        )
    ).all()
    counts: dict[Key, Counter[str]] = defaultdict(Counter)
    for name, step, variant, state, count in rows:
        counts[(name, step, variant)][state] += count
    return counts


def _auto_reply_counts(session: Session) -> dict[Key, int]:
    last = _last_sent()
    send = aliased(Send)
    kind = func.coalesce(col(InboundMessage.manual_kind), col(InboundMessage.kind))
    rows = session.exec(
        select(Campaign.name, send.step_index, send.variant, func.count())
        .select_from(InboundMessage)
        .join(Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id))
        .join(last, last.c.enrollment_id == col(Enrollment.id))
        .join(send, _last_send_of(send, last))
        .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
        .where(kind == "auto_reply")
        .group_by(col(Campaign.name), col(send.step_index), col(send.variant))
    ).all()
    return {(name, step, variant): count for name, step, variant, count in rows}


def enrollment_page(
    db: Engine, campaign: str, *, state: str | None = None, offset: int = 0, limit: int = 200
) -> Page[EnrollmentRow]:
    """One page of a campaign's enrollments, optionally of one state, by prospect address."""
    check_page_args(offset, limit)
    with Session(db) as session:
        campaign_id = session.exec(select(Campaign.id).where(Campaign.name == campaign)).first()
        where = [col(Enrollment.campaign_id) == campaign_id]
        if state is not None:
            where.append(col(Enrollment.state) == state)
        total = session.exec(select(func.count()).select_from(Enrollment).where(*where)).one()
        rows = session.exec(
            select(Enrollment, Prospect, Mailbox.email)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .outerjoin(Mailbox, col(Mailbox.id) == col(Enrollment.mailbox_id))
            .where(*where)
            .order_by(col(Prospect.email))
            .offset(offset)
            .limit(limit)
        ).all()
    return Page(tuple(_enrollment_row(*row) for row in rows), total, offset, limit)


def _enrollment_row(
    enrollment: Enrollment, prospect: Prospect, mailbox: str | None
) -> EnrollmentRow:
    name = " ".join(p for p in (prospect.first_name, prospect.last_name) if p)
    return EnrollmentRow(
        email=prospect.email,
        name=name,
        state=enrollment.state,
        reason=enrollment.reason,
        steps_sent=enrollment.steps_sent,
        next_due_at=aware(enrollment.next_due_at),
        mailbox=mailbox,
    )


def campaign_names(db: Engine, states: Iterable[str] | None = None) -> list[str]:
    """Campaign names (of the given states), by name."""
    query = select(Campaign.name).order_by(col(Campaign.name))
    if states is not None:
        query = query.where(col(Campaign.state).in_(list(states)))
    with Session(db) as session:
        return list(session.exec(query))
