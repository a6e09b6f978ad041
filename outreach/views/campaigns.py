"""Campaigns as the TUI shows them: a funnel per step and A/B variant, and enrollments.

The numbers come from :mod:`outreach.views.numbers` (the one read model of counts): an
answer counts against the last step of the thread sent before it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach import wording
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect
from outreach.views.campaign_list import list_campaigns
from outreach.views.common import Page, aware, check_page_args
from outreach.views.numbers import Key, Numbers, campaign_numbers, label
from outreach.views.reports import group_title

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
class FunnelRow:
    """One step of a campaign, or one A/B variant of a step, and what its prospects did."""

    label: str
    """``step 1``, ``step 1 A`` … (as ``outreach report`` names it)."""
    step: int
    """1-based step number."""
    variant: str
    """"" for the whole step, else "A", "B" …"""
    numbers: Numbers


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
    total: Numbers
    """The whole campaign (what ``outreach report <campaign>`` totals)."""
    funnel: tuple[FunnelRow, ...]
    """Each step; below a step sent in more than one variant, a row per variant."""


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
    """Every campaign with its numbers and funnel (oldest first)."""
    totals, steps, variants = campaign_numbers(
        db, [("campaign",), ("campaign", "step"), ("campaign", "step", "variant")]
    )
    return [
        CampaignSummary(
            name=row["name"],
            state=row["state"],
            pause_reason=wording.pause_reason(row["pause_reason"]) or None,
            sequence=row["sequence"],
            steps=row["steps"],
            mailboxes=tuple(row["mailboxes"]),
            enrolled=row["enrolled"],
            by_state=dict(row["by_state"]),
            total=totals.get((row["name"],), Numbers()),
            funnel=funnel_rows(row["name"], steps, variants),
        )
        for row in list_campaigns(db)
    ]


def funnel_rows(
    campaign: str, steps: dict[Key, Numbers], variants: dict[Key, Numbers]
) -> tuple[FunnelRow, ...]:
    """A campaign's steps, each followed by its variants when it was sent in more than one."""
    rows: list[FunnelRow] = []
    for (name, step), numbers in steps.items():
        if name != campaign:
            continue
        rows.append(FunnelRow(group_title(label(("step",), (step,))), int(step), "", numbers))
        split = [(k, n) for k, n in variants.items() if k[:2] == (campaign, step)]
        if len(split) > 1:
            rows += [
                FunnelRow(group_title(label(("step", "variant"), k[1:])), int(step), str(k[2]), n)
                for k, n in split
            ]
    return tuple(rows)


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


def campaign_state(db: Engine, name: str) -> str | None:
    """The state of campaign ``name`` (None when there is none)."""
    with Session(db) as session:
        return session.exec(select(Campaign.state).where(Campaign.name == name)).first()
