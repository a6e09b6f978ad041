"""Verification wired to campaigns and the prospect list.

``verify_enrollments`` is what campaign start calls: every not-yet-contacted active
enrollment is verified; the invalid ones become ``invalid`` (with the reason), their
queued sends are cancelled and an ``invalid`` event is recorded, so nothing is sent.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.deliverability.dns import ResolverSpec
from outreach.deliverability.domain_cache import CHUNK
from outreach.deliverability.verify import (
    Progress,
    VerifySummary,
    run_sync,
    verify_addresses,
)
from outreach.engine.outcomes import end_enrollment, event
from outreach.store import session_scope
from outreach.store.models import Campaign, Enrollment, Prospect, ProspectTag


def prospect_addresses(db: Engine, tags: list[str] | None = None) -> list[str]:
    """Every prospect's address, or those with any of ``tags``."""
    query = select(Prospect.email).order_by(col(Prospect.id))
    if tags:
        tagged = select(ProspectTag.prospect_id).where(col(ProspectTag.tag).in_(tags))
        query = query.where(col(Prospect.id).in_(tagged))
    with Session(db) as session:
        return list(session.exec(query))


def verify_prospects(db: Engine, tags: list[str] | None = None,
                     spec: ResolverSpec | None = None,
                     on_progress: Progress | None = None) -> VerifySummary:
    """Verify prospects (all, or by tag); changes nothing but the domain cache."""
    addresses = prospect_addresses(db, tags)
    return run_sync(lambda: verify_addresses(db, addresses, spec, on_progress=on_progress))


def _unsent(session: Session, campaign_id: int) -> list[tuple[Enrollment, Prospect]]:
    rows = session.exec(
        select(Enrollment, Prospect)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .where(Enrollment.campaign_id == campaign_id, col(Enrollment.state) == "active",
               Enrollment.steps_sent == 0)
    )
    return list(rows.all())


def verify_enrollments(db: Engine, campaign: str | Campaign,
                       spec: ResolverSpec | None = None) -> VerifySummary:
    """Verify a campaign's not-yet-contacted prospects and mark the invalid ones."""
    with Session(db) as session:
        row = _campaign(session, campaign)
        pairs = _unsent(session, row)
    addresses = [prospect.email for _, prospect in pairs]
    summary = run_sync(lambda: verify_addresses(db, addresses, spec))
    _mark_invalid(db, pairs, summary)
    return summary


def _campaign(session: Session, campaign: str | Campaign) -> int:
    from outreach.campaigns.service import get_campaign

    row = get_campaign(session, campaign) if isinstance(campaign, str) else campaign
    assert row.id is not None
    return row.id


def _mark_invalid(db: Engine, pairs: list[tuple[Enrollment, Prospect]],
                  summary: VerifySummary) -> None:
    reasons = {v.email: v.reason for v in summary.invalid}
    emails = {e.id: p.email for e, p in pairs if p.email in reasons}
    ids = sorted(i for i in emails if i is not None)
    with session_scope(db) as session:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            for enrollment in session.exec(select(Enrollment).where(col(Enrollment.id).in_(chunk))):
                _invalidate(session, enrollment, reasons[emails[enrollment.id]])


def _invalidate(session: Session, enrollment: Enrollment, reason: str) -> None:
    if enrollment.state != "active" or enrollment.steps_sent:
        return  # the engine got there first
    end_enrollment(session, enrollment, "invalid", reason)
    event(session, "invalid", None, campaign_id=enrollment.campaign_id,
          enrollment_id=enrollment.id, prospect_id=enrollment.prospect_id,
          mailbox_id=enrollment.mailbox_id, reason=reason)
