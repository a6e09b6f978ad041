"""``campaign plan``: the projected schedule from the database, by the engine's own rules."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_
from sqlmodel import Session, col, select

from outreach.campaigns.context import campaign_sequence, prospect_zone
from outreach.campaigns.service import get_campaign
from outreach.engine.pacer_state import load_pacer
from outreach.engine.queue import PENDING
from outreach.planner.pacing import Candidate
from outreach.planner.simulate import PlanItem, simulate
from outreach.planner.windows import next_open
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
            select(Mailbox)
            .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
            .where(CampaignMailbox.campaign_id == campaign.id)
        )
    )


def _campaigns_sharing(
    session: Session, campaign: Campaign, mailbox_ids: list[int | None]
) -> list[Campaign]:
    """The campaign itself plus the active ones using its mailboxes (they share the caps)."""
    others = session.exec(
        select(Campaign)
        .join(CampaignMailbox, col(CampaignMailbox.campaign_id) == col(Campaign.id))
        .where(col(CampaignMailbox.mailbox_id).in_(mailbox_ids), Campaign.state == "active")
    ).all()
    return [campaign, *(c for c in set(others) if c.id != campaign.id)]


def _items(
    session: Session, campaigns: Iterable[Campaign], mailboxes: list[Mailbox], now: datetime
) -> tuple[list[PlanItem], dict[Hashable, tuple[int, str, ZoneInfo]]]:
    boxes = {m.id: m.email for m in mailboxes}
    items: list[PlanItem] = []
    info: dict[Hashable, tuple[int, str, ZoneInfo]] = {}
    for campaign in campaigns:
        sequence = campaign_sequence(campaign)
        rows = session.exec(
            select(Enrollment, Prospect, Send)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .outerjoin(
                Send,
                and_(col(Send.enrollment_id) == col(Enrollment.id), col(Send.state).in_(PENDING)),
            )
            .where(Enrollment.campaign_id == campaign.id, Enrollment.state == "active")
        )
        for enrollment, prospect, send in rows:
            if enrollment.mailbox_id not in boxes:
                continue
            tz = prospect_zone(prospect, sequence)
            if send is not None:
                step, due = send.step_index, send.due_at
            elif campaign.state == "draft" and enrollment.next_step == 0:
                step, due = 0, next_open(sequence.schedule, tz, now)
            else:
                continue
            assert enrollment.id is not None and campaign.id is not None
            candidate = Candidate(
                enrollment.id,
                due,
                tz,
                sequence.schedule,
                sequence.pace,
                campaign.id,
                prospect.domain,
            )
            items.append(
                PlanItem(
                    enrollment.id, boxes[enrollment.mailbox_id], step, candidate, sequence.steps
                )
            )
            info[enrollment.id] = (campaign.id, prospect.email, tz)
    return items, info
