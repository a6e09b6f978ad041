"""Read models of campaigns for ``campaign list/show`` (and the TUI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach import wording
from outreach.campaigns.rows import get_campaign
from outreach.i18n import _
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.states import PENDING, SendState
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Mailbox,
    Prospect,
    Send,
    as_utc,
    row_id,
)


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
        "pause_reason": wording.pause_reason(campaign.pause_reason) or None,
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
        queued = _queued_sends(session, campaign)
        summary["enrollments"] = [
            _enrollment(enrollment, email, mailbox, queued.get(row_id(enrollment.id)))
            for enrollment, email, mailbox in rows
        ]
    return summary


def _queued_sends(session: Session, campaign: Campaign) -> dict[int, Send]:
    """The queued send of each enrollment: its ``due_at`` is when it really goes next (a
    deferred send's back-off moves it; the enrollment's own ``next_due_at`` does not)."""
    sends = session.exec(
        select(Send)
        .where(Send.campaign_id == campaign.id, col(Send.state).in_(PENDING))
        .order_by(col(Send.due_at).desc())
    )
    return {send.enrollment_id: send for send in sends}


def _enrollment(
    enrollment: Enrollment, email: str, mailbox: str | None, send: Send | None
) -> dict[str, Any]:
    deferred = send is not None and send.state == SendState.DEFERRED
    return {
        "email": email,
        "state": enrollment.state,
        "reason": enrollment.reason,
        "steps_sent": enrollment.steps_sent,
        "next_due_at": as_utc(send.due_at) if send is not None else enrollment.next_due_at,
        "next_send": _describe(send) if send is not None else None,
        "deferred": deferred,
        "mailbox": mailbox,
    }


def _describe(send: Send) -> str:
    """``step 2 scheduled``, or ``step 2 deferred (attempt 3): 451 …``."""
    if send.state == SendState.DEFERRED:
        return _("step {number} deferred (attempt {attempt}): {error}").format(
            number=send.step_index + 1, attempt=send.attempts,
            error=(send.error or "").strip()[:80])
    return _("step {number} {state}").format(
        number=send.step_index + 1, state=wording.state(send.state))


def list_campaigns_one(session: Session, campaign: Campaign) -> dict[str, Any]:
    states = dict(
        session.exec(
            select(Enrollment.state, func.count())
            .where(Enrollment.campaign_id == campaign.id)
            .group_by(col(Enrollment.state))
        ).all()
    )
    return _summary(session, campaign, states)
