"""Commands the Prospects view runs: add a prospect to an existing campaign, and
suppress/unsuppress one address (stopping its live follow-ups).

Both go through the same operations the CLI uses (``campaign enroll`` and
``suppress add``): :func:`outreach.campaigns.service.add_prospects` and
:func:`outreach.lifecycle.suppressing.suppress_and_stop`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from outreach import wording
from outreach.campaigns.service import add_prospects
from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.lifecycle import Cause
from outreach.lifecycle.enrolling import live_elsewhere
from outreach.lifecycle.suppressing import suppress_and_stop
from outreach.prospects import get_prospect
from outreach.prospects.suppression import is_suppressed, normalize_value, remove_suppressions
from outreach.store import session_scope
from outreach.store.models import row_id, utcnow


@dataclass(frozen=True)
class Added:
    """What adding one prospect to a campaign did."""

    campaign: str
    email: str
    mailbox: str | None
    """The mailbox the prospect's thread is sent from (None: not enrolled)."""
    enrolled: bool
    skipped: str | None
    """Why the prospect was not enrolled (None: they were)."""
    queued: bool
    """The first step was queued (the campaign is running)."""


def active_elsewhere(db: Engine, email: str, campaign: str | None = None) -> str | None:
    """``already in campaign q1 (step 2 of 3)`` when the person is live in another
    campaign (the TUI asks before enrolling them anyway)."""
    with Session(db) as session:
        prospect = get_prospect(session, email)
        found = live_elsewhere(session.connection(), [row_id(prospect.id)], None)
    text = found.get(row_id(prospect.id))
    if text is None or campaign is None:
        return text
    return None if text == _("already in campaign {campaigns}").format(campaigns=campaign) else text


def add_to_campaign(
    db: Engine,
    campaign_name: str,
    email: str,
    now: datetime | None = None,
    *,
    include_active: bool = False,
) -> Added:
    """Enroll one prospect in an existing draft, active or paused campaign."""
    result = add_prospects(
        db, campaign_name, [email], include_active=include_active, source="tui", now=now
    )
    if result.skipped:
        skipped = result.skipped[0]
        if skipped.why == "already_enrolled":
            raise ConfigError(_("{email} is already in campaign {campaign}").format(
                email=skipped.email, campaign=repr(campaign_name)))
        if skipped.why == "suppressed":
            raise ConfigError(
                _("{email} is {reason}").format(
                    email=skipped.email, reason=wording.reason(skipped.reason)),
                hint=_("unsuppress it first if writing to it is really fine"),
            )
        return Added(campaign_name, skipped.email, None, False, skipped.reason, False)
    mailbox = next(box for box, count in result.per_mailbox.items() if count)
    return Added(campaign_name, email, mailbox, True, None, result.queued > 0)


def suppress_address(db: Engine, email: str, source: str = "tui") -> int:
    """Suppress one address by hand and stop its live enrollments; returns how many stopped."""
    value = normalize_value(email)
    with session_scope(db) as session:
        done = suppress_and_stop(
            session.connection(), [value], "manual", source, Cause(source), utcnow()
        )
    return len(done.stopped)


def unsuppress_address(db: Engine, email: str) -> str:
    """Remove the entry suppressing ``email`` (its own, or its domain's); returns it."""
    with session_scope(db) as session:
        hit = is_suppressed(session, email.strip().lower())
        if hit is None:
            raise ConfigError(_("{email} is not suppressed").format(email=email))
        remove_suppressions(session, [hit.value])
    return hit.value
