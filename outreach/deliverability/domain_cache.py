"""Domain verdicts cached in the ``DomainCheck`` table, trusted for a TTL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from outreach.deliverability.domain_lookup import DomainStatus
from outreach.store.models import DomainCheck, as_utc, utcnow

TTL = timedelta(days=7)
"""How long a definitive answer (accepts mail or not) is trusted."""
CHUNK = 500  # IN (…) lists stay well below SQLite's parameter limit


def cached_statuses(session: Session, domains: Iterable[str],
                    now: datetime | None = None) -> dict[str, DomainStatus]:
    """The cached verdicts younger than :data:`TTL` for ``domains``."""
    cutoff = (now or utcnow()) - TTL
    wanted, found = sorted(set(domains)), {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.exec(select(DomainCheck).where(
            col(DomainCheck.domain).in_(wanted[start:start + CHUNK])))
        for row in rows:
            if as_utc(row.checked_at) >= cutoff:
                found[row.domain] = DomainStatus(row.domain, row.accepts_mail, row.detail)
    return found


def store_statuses(session: Session, statuses: Iterable[DomainStatus],
                   now: datetime | None = None) -> int:
    """Remember definitive verdicts (unknowns are not cached); returns how many."""
    stored = 0
    for status in statuses:
        if status.accepts_mail is None:
            continue
        session.merge(DomainCheck(domain=status.domain, accepts_mail=status.accepts_mail,
                                  detail=status.detail, checked_at=now or utcnow()))
        stored += 1
    return stored
