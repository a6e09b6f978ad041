"""Enrolling a referral the rep confirmed: the person a reply named, in the campaign of
the thread that named them (proposed by the lifecycle, see
:mod:`outreach.lifecycle.referrals`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.campaigns.enroll import Added, add_to_campaign
from outreach.errors import ConfigError, NotFoundError
from outreach.i18n import _
from outreach.lifecycle.referrals import proposed_by, referral_enrolled
from outreach.lifecycle.values import Subject
from outreach.prospects import get_prospect
from outreach.store import session_scope
from outreach.store.models import Campaign, Enrollment, InboundMessage, row_id, utcnow


def proposed_referrals(db: Engine, inbound_id: int) -> list[str]:
    """The addresses reply ``inbound_id`` proposed as new prospects."""
    with Session(db) as session:
        return proposed_by(session.connection(), inbound_id)


def enroll_referral(
    db: Engine, inbound_id: int, email: str, now: datetime | None = None, *, by: str = "tui"
) -> Added:
    """Enroll the referral ``email`` reply ``inbound_id`` proposed, in its thread's campaign."""
    now = now or utcnow()
    with Session(db) as session:
        message = session.get(InboundMessage, inbound_id)
        if message is None or message.enrollment_id is None:
            raise NotFoundError(
                _("no reply #{id} in a thread of ours").format(id=inbound_id))
        if email not in proposed_by(session.connection(), inbound_id):
            raise ConfigError(
                _("{email} was not proposed by reply #{id}").format(email=email, id=inbound_id),
                hint=_("set the campaign's stop.referral: propose, or add the prospect by hand"),
            )
        thread = session.get_one(Enrollment, message.enrollment_id)
        campaign = session.get_one(Campaign, thread.campaign_id).name
    added = add_to_campaign(db, campaign, email, now)
    if added.enrolled:
        with session_scope(db) as session:
            prospect = get_prospect(session, email)
            about = Subject(thread.campaign_id, prospect_id=row_id(prospect.id))
            referral_enrolled(session.connection(), about, email, inbound_id, now, by)
    return added
