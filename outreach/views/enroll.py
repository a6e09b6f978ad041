"""Commands the Prospects view needs that the services lack: add a prospect to an existing
campaign, and suppress/unsuppress one address (stopping its live follow-ups).

Adding follows ``campaign create``'s rules: suppressed addresses are skipped, the mailbox
is chosen by the same balancing (sticky for the thread), and in an active campaign the
first step is queued at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach.campaigns.context import campaign_sequence
from outreach.campaigns.service import get_campaign
from outreach.engine import outcomes
from outreach.engine.queue import schedule_step
from outreach.errors import ConfigError
from outreach.planner.assign import assign_mailboxes
from outreach.prospects import get_prospect
from outreach.store import session_scope
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Mailbox,
    Prospect,
    row_id,
    utcnow,
)
from outreach.suppression import (
    add_suppressions,
    is_suppressed,
    normalize_value,
    remove_suppressions,
)

LIVE = ("active", "paused")


@dataclass(frozen=True)
class Added:
    """What adding one prospect to a campaign did."""

    campaign: str
    email: str
    mailbox: str
    queued: bool
    """The first step was queued (the campaign is active)."""


def add_to_campaign(
    db: Engine, campaign_name: str, email: str, now: datetime | None = None
) -> Added:
    """Enroll one prospect in an existing draft, active or paused campaign."""
    now = now or utcnow()
    with session_scope(db) as session:
        campaign = get_campaign(session, campaign_name)
        prospect = get_prospect(session, email)
        _check_can_add(session, campaign, prospect)
        mailbox = _pick_mailbox(session, campaign, prospect)
        enrollment = Enrollment(
            campaign_id=row_id(campaign.id), prospect_id=row_id(prospect.id), mailbox_id=mailbox.id
        )
        session.add(enrollment)
        session.flush()
        queued = campaign.state in LIVE and _queue_first(
            session, enrollment, campaign, prospect, mailbox, now
        )
        outcomes.event(
            session,
            "enrolled",
            campaign_id=campaign.id,
            enrollment_id=enrollment.id,
            prospect_id=prospect.id,
            mailbox_id=mailbox.id,
            source="tui",
        )
    return Added(campaign.name, prospect.email, mailbox.email, queued)


def _check_can_add(session: Session, campaign: Campaign, prospect: Prospect) -> None:
    if campaign.state == "archived":
        raise ConfigError(f"campaign {campaign.name!r} is archived", hint="pick a live campaign")
    hit = is_suppressed(session, prospect.email)
    if hit is not None:
        raise ConfigError(
            f"{prospect.email} is suppressed ({hit.reason}: {hit.value})",
            hint="unsuppress it first if writing to it is really fine",
        )
    exists = session.exec(
        select(Enrollment.id).where(
            Enrollment.campaign_id == campaign.id, Enrollment.prospect_id == prospect.id
        )
    ).first()
    if exists is not None:
        raise ConfigError(f"{prospect.email} is already in campaign {campaign.name!r}")


def _pick_mailbox(session: Session, campaign: Campaign, prospect: Prospect) -> Mailbox:
    boxes = list(
        session.exec(
            select(Mailbox)
            .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
            .where(CampaignMailbox.campaign_id == campaign.id)
            .order_by(col(Mailbox.email))
        )
    )
    if not boxes:
        raise ConfigError(f"campaign {campaign.name!r} has no mailbox to send from")
    load = dict(
        session.exec(
            select(Mailbox.email, func.count())
            .join(Enrollment, col(Enrollment.mailbox_id) == col(Mailbox.id))
            .where(col(Enrollment.state).in_(LIVE))
            .group_by(col(Mailbox.email))
        ).all()
    )
    chosen = assign_mailboxes([prospect.id], {b.email: b.daily_cap for b in boxes}, load)
    return next(b for b in boxes if b.email == chosen[prospect.id])


def _queue_first(
    session: Session,
    enrollment: Enrollment,
    campaign: Campaign,
    prospect: Prospect,
    mailbox: Mailbox,
    now: datetime,
) -> bool:
    sequence = campaign_sequence(campaign)
    return (
        schedule_step(session, enrollment, campaign, sequence, prospect, mailbox, now) is not None
    )


def suppress_address(db: Engine, email: str, source: str = "tui") -> int:
    """Suppress one address by hand and stop its live enrollments; returns how many stopped."""
    value = normalize_value(email)
    with session_scope(db) as session:
        add_suppressions(session, [value], reason="manual", source=source)
        live = session.exec(
            select(Enrollment)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .where(col(Prospect.email) == value, col(Enrollment.state).in_(LIVE))
        ).all()
        for enrollment in live:
            outcomes.end_enrollment(session, enrollment, "stopped", "suppressed by hand")
            outcomes.event(
                session,
                "stopped",
                campaign_id=enrollment.campaign_id,
                enrollment_id=enrollment.id,
                prospect_id=enrollment.prospect_id,
                mailbox_id=enrollment.mailbox_id,
                reason="suppressed by hand",
            )
    return len(live)


def unsuppress_address(db: Engine, email: str) -> str:
    """Remove the entry suppressing ``email`` (its own, or its domain's); returns it."""
    with session_scope(db) as session:
        hit = is_suppressed(session, email.strip().lower())
        if hit is None:
            raise ConfigError(f"{email} is not suppressed")
        remove_suppressions(session, [hit.value])
    return hit.value
