"""A referral proposed by a reply: the person it names becomes a prospect (tagged
``referral``, linked to the thread), enrolled only when the rep confirms."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session

from outreach.addresses import normalize_address
from outreach.errors import OutreachError
from outreach.lifecycle.events import record
from outreach.lifecycle.rules import REFERRAL_TAG, ProposeReferral
from outreach.lifecycle.values import Cause, Subject
from outreach.prospects.service import ensure_prospect
from outreach.prospects.suppression import suppressions_for
from outreach.states import EventKind

log = logging.getLogger(__name__)


def propose_referral(
    conn: Connection, action: ProposeReferral, cause: Cause, now: datetime
) -> bool:
    """Create (or tag) the referred prospect and record the proposal; a suppressed or
    unusable address is skipped (False)."""
    try:
        email = normalize_address(action.email)
    except OutreachError as exc:
        log.warning("referral not proposed: %s", exc)
        return False
    with Session(bind=conn) as session:
        if suppressions_for(session, [email]):
            log.info("referral %s not proposed: the address is suppressed", email)
            return False
        fields = {"referred_by": action.referred_by, "referred_in": cause.message_id or ""}
        prospect_id = ensure_prospect(session, email, fields=fields, tags=[REFERRAL_TAG])
    about = Subject(campaign_id=action.campaign_id, prospect_id=prospect_id)
    record(
        conn, EventKind.REFERRAL_PROPOSED, about, inbound_id=cause.inbound_id, when=now,
        email=email, referred_by=action.referred_by, thread_enrollment_id=action.enrollment_id,
        **cause.data(),
    )  # fmt: skip
    return True
