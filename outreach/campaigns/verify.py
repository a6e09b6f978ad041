"""Verification wired to campaigns and the prospect list.

``verify_enrollments`` is what campaign start (and ``campaign verify``) calls: every
not-yet-contacted active enrollment is verified; the invalid ones become ``invalid``
(with the reason), their queued sends are cancelled and an ``invalid`` event is recorded,
so nothing is sent. ``recheck`` asks DNS again (no cache) and, in a draft, gives the
enrollments an earlier check wrongly ended ``invalid`` their place back.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.campaigns.rows import get_campaign
from outreach.deliverability.dns import ResolverSpec
from outreach.deliverability.domain_cache import CHUNK
from outreach.deliverability.domain_lookup import RETRY_DELAY_S
from outreach.deliverability.verify import (
    Progress,
    VerifySummary,
    run_sync,
    verify_addresses,
)
from outreach.lifecycle import Cause, EnrollmentState
from outreach.lifecycle.ending import end_enrollments, live_refs, reopen_invalid
from outreach.store.models import Campaign, Enrollment, Prospect, ProspectTag, utcnow
from outreach.store.repository import ENROLLMENT


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


def _unsent(session: Session, campaign_id: int,
            states: tuple[str, ...]) -> list[tuple[Enrollment, Prospect]]:
    rows = session.exec(
        select(Enrollment, Prospect)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .where(Enrollment.campaign_id == campaign_id, col(Enrollment.state).in_(states),
               Enrollment.steps_sent == 0)
        .order_by(col(Enrollment.id))
    )
    return list(rows.all())


def verify_enrollments(db: Engine, campaign: str | Campaign,
                       spec: ResolverSpec | None = None, *, recheck: bool = False,
                       retry_delay: float = RETRY_DELAY_S) -> VerifySummary:
    """Verify a campaign's not-yet-contacted prospects and mark the invalid ones.

    With ``recheck`` every domain is asked of DNS again and the enrollments an earlier
    check ended ``invalid`` are verified too: in a draft, those no longer invalid are
    active again."""
    states = ("active", "invalid") if recheck else ("active",)
    with Session(db) as session:
        row = get_campaign(session, campaign) if isinstance(campaign, str) else campaign
        campaign_id, draft = row.id, row.state == "draft"
        assert campaign_id is not None
        pairs = _unsent(session, campaign_id, states)
    addresses = [prospect.email for _, prospect in pairs]
    summary = run_sync(lambda: verify_addresses(db, addresses, spec, fresh=recheck,
                                                retry_delay=retry_delay))
    _mark_invalid(db, pairs, summary)
    if recheck and draft:
        _reopen(db, pairs, summary)
    return summary


def _mark_invalid(db: Engine, pairs: list[tuple[Enrollment, Prospect]],
                  summary: VerifySummary) -> None:
    """Not-yet-contacted enrollments of invalid addresses end as ``invalid`` (one the
    engine reached first keeps its state)."""
    reasons = {v.email: v.reason for v in summary.invalid}
    by_reason: dict[str, list[int]] = {}
    for enrollment, prospect in pairs:
        if prospect.email in reasons and enrollment.id is not None:
            by_reason.setdefault(reasons[prospect.email], []).append(enrollment.id)
    now = utcnow()
    with db.begin() as conn:
        for reason, ids in by_reason.items():
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                unsent = ENROLLMENT.c.id.in_(chunk) & (ENROLLMENT.c.steps_sent == 0)
                refs = live_refs(conn, unsent & (ENROLLMENT.c.state == "active"))
                end_enrollments(conn, refs, EnrollmentState.INVALID, reason, Cause("verify"), now)


def _reopen(db: Engine, pairs: list[tuple[Enrollment, Prospect]],
            summary: VerifySummary) -> None:
    invalid = {v.email for v in summary.invalid}
    ids = [row.id for row, prospect in pairs
           if row.state == "invalid" and row.id is not None and prospect.email not in invalid]
    with db.begin() as conn:
        reopen_invalid(conn, ids, utcnow())
