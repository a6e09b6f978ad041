"""``campaign plan``: the projected schedule from the database, by the engine's own rules."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from outreach.campaigns.context import as_utc, campaign_sequence
from outreach.campaigns.service import get_campaign
from outreach.engine.pacer_state import load_pacer
from outreach.engine.queue import PENDING
from outreach.planner.pacing import Candidate
from outreach.planner.simulate import PlanItem, simulate
from outreach.planner.windows import next_open, zone
from outreach.store.models import Campaign, CampaignMailbox, Enrollment, Mailbox, Prospect, Send


@dataclass(frozen=True)
class PlanRow:
    """One projected send, as ``campaign plan`` shows it."""

    at: datetime
    local_time: str
    timezone: str
    email: str
    step: int
    mailbox: str


def plan_campaign(
    db: Engine, name: str, days: int = 14, now: datetime | None = None, seed: int = 0
) -> list[PlanRow]:
    """Every send of campaign ``name`` in the next ``days``; nothing is sent."""
    from outreach.store.models import utcnow

    now = now or utcnow()
    with Session(db) as session:
        campaign = get_campaign(session, name)
        mailboxes = _mailboxes(session, campaign)
        campaigns = _campaigns_sharing(session, campaign, [m.id for m in mailboxes])
        items, info = _items(session, campaigns, mailboxes, now)
        pacers = {m.email: load_pacer(session, m, now, random.Random(seed)) for m in mailboxes}
    planned = simulate(items, pacers, now, now + timedelta(days=days), seed=seed)
    rows = []
    for sent in planned:
        campaign_id, email, tz = info[sent.enrollment]
        if campaign_id != campaign.id:
            continue
        local = sent.at.astimezone(tz)
        rows.append(
            PlanRow(
                sent.at,
                local.strftime("%a %Y-%m-%d %H:%M"),
                str(tz),
                email,
                sent.step_index + 1,
                sent.mailbox,
            )
        )
    return rows


def _mailboxes(session: Session, campaign: Campaign) -> list[Mailbox]:
    return list(
        session.exec(
            model_select(Mailbox)
            .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
            .where(CampaignMailbox.campaign_id == campaign.id)
        )
    )


def _campaigns_sharing(
    session: Session, campaign: Campaign, mailbox_ids: list[int | None]
) -> list[Campaign]:
    """The campaign itself plus the active ones using its mailboxes (they share the caps)."""
    others = session.exec(
        model_select(Campaign)
        .join(CampaignMailbox, col(CampaignMailbox.campaign_id) == col(Campaign.id))
        .where(col(CampaignMailbox.mailbox_id).in_(mailbox_ids), Campaign.state == "active")
    ).all()
    unique = {c.id: c for c in others if c.id != campaign.id}
    return [campaign, *unique.values()]


def _items(
    session: Session, campaigns: Iterable[Campaign], mailboxes: list[Mailbox], now: datetime
) -> tuple[list[PlanItem], dict[Hashable, tuple[int, str, ZoneInfo]]]:
    """Each live enrollment's next step (plain columns: no ORM objects per row)."""
    boxes = {m.id: m.email for m in mailboxes}
    items: list[PlanItem] = []
    info: dict[Hashable, tuple[int, str, ZoneInfo]] = {}
    for campaign in campaigns:
        assert campaign.id is not None
        sequence = campaign_sequence(campaign)
        draft = campaign.state == "draft"
        for row in session.execute(_live_rows(campaign.id)):
            if row.mailbox_id not in boxes:
                continue
            tz = zone(row.timezone or sequence.schedule.timezone)
            if row.step_index is not None:
                step, due = row.step_index, as_utc(row.due_at)
            elif draft and row.next_step == 0:
                step, due = 0, next_open(sequence.schedule, tz, now)
            else:
                continue
            candidate = Candidate(
                row.id, due, tz, sequence.schedule, sequence.pace, campaign.id, row.domain
            )
            items.append(PlanItem(row.id, boxes[row.mailbox_id], step, candidate, sequence.steps))
            info[row.id] = (campaign.id, row.email, tz)
    return items, info


def _live_rows(campaign_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(
            *map(
                col,
                (
                    Enrollment.id,
                    Enrollment.mailbox_id,
                    Enrollment.next_step,
                    Prospect.email,
                    Prospect.domain,
                    Prospect.timezone,
                    Send.step_index,
                    Send.due_at,
                ),
            )
        )
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .outerjoin(
            Send,
            and_(col(Send.enrollment_id) == col(Enrollment.id), col(Send.state).in_(PENDING)),
        )
        .where(col(Enrollment.campaign_id) == campaign_id, col(Enrollment.state) == "active")
    )
