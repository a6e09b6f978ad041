"""Read models of campaigns for ``campaign list/show`` (and the TUI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach.campaigns.rows import get_campaign
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.store.models import Campaign, CampaignMailbox, Enrollment, Mailbox, Prospect


def list_campaigns(db: Engine) -> list[dict[str, Any]]:
    with Session(db) as session:
        counts: dict[int, dict[str, int]] = {}
        for campaign_id, state, count in session.exec(
            select(Enrollment.campaign_id, Enrollment.state, func.count()).group_by(
                col(Enrollment.campaign_id), col(Enrollment.state)
            )
        ):
            counts.setdefault(campaign_id, {})[state] = count
        return [
            _summary(session, c, counts.get(c.id or 0, {}))
            for c in session.exec(select(Campaign).order_by(col(Campaign.created_at)))
        ]


def _summary(session: Session, campaign: Campaign, states: dict[str, int]) -> dict[str, Any]:
    mailboxes = session.exec(
        select(Mailbox.email)
        .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
        .where(CampaignMailbox.campaign_id == campaign.id)
    ).all()
    return {
        "name": campaign.name,
        "state": campaign.state,
        "pause_reason": campaign.pause_reason,
        "sequence": campaign_sequence(campaign).name,
        "steps": len(campaign_sequence(campaign).steps),
        "mailboxes": list(mailboxes),
        "enrolled": sum(states.values()),
        "by_state": states,
        "started_at": campaign.started_at,
    }


def show_campaign(db: Engine, name: str) -> dict[str, Any]:
    with Session(db) as session:
        campaign = get_campaign(session, name)
        summary = list_campaigns_one(session, campaign)
        rows = session.exec(
            select(Enrollment, Prospect.email, Mailbox.email)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .outerjoin(Mailbox, col(Mailbox.id) == col(Enrollment.mailbox_id))
            .where(Enrollment.campaign_id == campaign.id)
            .order_by(col(Enrollment.id))
        )
        summary["enrollments"] = [
            {
                "email": email,
                "state": enrollment.state,
                "reason": enrollment.reason,
                "steps_sent": enrollment.steps_sent,
                "next_due_at": enrollment.next_due_at,
                "mailbox": mailbox,
            }
            for enrollment, email, mailbox in rows
        ]
    return summary


def list_campaigns_one(session: Session, campaign: Campaign) -> dict[str, Any]:
    states = dict(
        session.exec(
            select(Enrollment.state, func.count())
            .where(Enrollment.campaign_id == campaign.id)
            .group_by(col(Enrollment.state))
        ).all()
    )
    return _summary(session, campaign, states)
