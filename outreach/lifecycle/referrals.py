"""A referral proposed by a reply: the person it names becomes a prospect (tagged
``referral``, linked to the thread), enrolled only when the rep confirms.

A reply names an address, rarely more: the new prospect's name is read from an address
like ``petra.wolf@…`` (Petra Wolf), and a colleague at the referrer's own domain gets the
referrer's company and timezone, so the sequence's merge fields render for them.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import Connection, select
from sqlmodel import Session

from outreach.addresses import normalize_address
from outreach.errors import OutreachError
from outreach.lifecycle.events import record
from outreach.lifecycle.rules import REFERRAL_TAG, ProposeReferral
from outreach.lifecycle.values import Cause, Subject
from outreach.prospects.service import ensure_prospect
from outreach.prospects.suppression import suppressions_for
from outreach.states import EventKind
from outreach.store.repository import ENROLLMENT, EVENT, PROSPECT

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
    if email in proposed_by(conn, cause.inbound_id or 0):
        return False  # proposed before (an intent corrected twice)
    with Session(bind=conn) as session:
        if suppressions_for(session, [email]):
            log.info("referral %s not proposed: the address is suppressed", email)
            return False
        fields = {"referred_by": action.referred_by, "referred_in": cause.message_id or ""}
        names = {**_referrer_company(conn, action.enrollment_id, email), **names_of(email)}
        prospect_id = ensure_prospect(
            session, email, fields=fields, tags=[REFERRAL_TAG], names=names
        )
    about = Subject(campaign_id=action.campaign_id, prospect_id=prospect_id)
    record(
        conn, EventKind.REFERRAL_PROPOSED, about, inbound_id=cause.inbound_id, when=now,
        email=email, referred_by=action.referred_by, thread_enrollment_id=action.enrollment_id,
        **cause.data(),
    )  # fmt: skip
    return True


def referral_enrolled(
    conn: Connection, about: Subject, email: str, inbound_id: int, now: datetime, by: str
) -> None:
    """Record that the rep confirmed a proposed referral and it was enrolled."""
    record(conn, EventKind.REFERRAL_ENROLLED, about, inbound_id=inbound_id, when=now,
           email=email, source=by)  # fmt: skip


def proposed_by(conn: Connection, inbound_id: int) -> list[str]:
    """The addresses message ``inbound_id`` proposed, in order, without repeats."""
    query = (
        select(EVENT.c.data)
        .where(EVENT.c.inbound_id == inbound_id, EVENT.c.kind == EventKind.REFERRAL_PROPOSED.value)
        .order_by(EVENT.c.id)
    )
    return list(dict.fromkeys(str(data["email"]) for (data,) in conn.execute(query)))


_NAME_PARTS = re.compile(r"^([a-zäöüß]{2,})(?:[._-]([a-zäöüß]{2,}))?$")


def names_of(email: str) -> dict[str, str | None]:
    """First and last name from an address like ``petra.wolf@…`` (``{}``: no such form)."""
    found = _NAME_PARTS.match(email.partition("@")[0].lower())
    if found is None:
        return {}
    first, last = found.groups()
    return {"first_name": first.title(), "last_name": last.title() if last else None}


def _referrer_company(conn: Connection, enrollment_id: int, email: str) -> dict[str, str | None]:
    """The referrer's company and timezone, when the referral is at the same domain."""
    row = conn.execute(
        select(PROSPECT.c.domain, PROSPECT.c.company, PROSPECT.c.timezone)
        .join(ENROLLMENT, ENROLLMENT.c.prospect_id == PROSPECT.c.id)
        .where(ENROLLMENT.c.id == enrollment_id)
    ).first()
    if row is None or row.domain != email.rpartition("@")[2]:
        return {}
    return {"company": row.company, "timezone": row.timezone}
