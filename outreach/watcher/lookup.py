"""The database lookups behind screening and matching (small, batched, read-only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from outreach.campaigns.context import campaign_sequence, prospect_zone
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send
from outreach.watcher.decisions import Target
from outreach.watcher.freemail import company_domain
from outreach.watcher.headers import HeaderFacts
from outreach.watcher.matching import LIVE, Candidates, EnrollmentRef, Inbound, Match
from outreach.watcher.screening import Known

CHUNK = 500  # values per IN (...): far below any database's parameter limit


def our_addresses(session: Session) -> frozenset[str]:
    """Every address of ours: mailbox addresses and address-like login names."""
    rows = session.exec(select(Mailbox.email, Mailbox.username)).all()
    found = {email.lower() for email, _ in rows}
    found.update(user.lower() for _, user in rows if "@" in user)
    return frozenset(found)


def known_for(session: Session, batch: Sequence[HeaderFacts], ours: frozenset[str]) -> Known:
    """:class:`Known` for a batch of header facts: a handful of queries, whatever its size."""
    ids = {ref for facts in batch for ref in _ids_of(facts)}
    senders = {facts.from_addr for facts in batch if facts.from_addr}
    domains = {d for d in (company_domain(facts.from_domain) for facts in batch) if d}
    return Known(
        our_addresses=ours,
        our_message_ids=frozenset(_our_message_ids(session, ids)),
        prospect_addresses=frozenset(_enrolled_addresses(session, senders)),
        prospect_domains=frozenset(_live_domains(session, domains)),
    )


def _ids_of(facts: HeaderFacts) -> Iterable[str]:
    if facts.message_id:
        yield facts.message_id
    yield from facts.referenced


def _our_message_ids(session: Session, ids: set[str]) -> Iterable[str]:
    for chunk in _chunks(ids):
        yield from session.exec(select(Send.message_id).where(col(Send.message_id).in_(chunk)))


def _enrolled_addresses(session: Session, senders: set[str]) -> Iterable[str]:
    for chunk in _chunks(senders):
        query = (
            select(Prospect.email)
            .join(Enrollment, col(Enrollment.prospect_id) == col(Prospect.id))
            .where(col(Prospect.email).in_(chunk))
            .distinct()
        )
        yield from session.exec(query)


def _live_domains(session: Session, domains: set[str]) -> Iterable[str]:
    for chunk in _chunks(domains):
        query = (
            select(Prospect.domain)
            .join(Enrollment, col(Enrollment.prospect_id) == col(Prospect.id))
            .where(col(Prospect.domain).in_(chunk), col(Enrollment.state).in_(LIVE))
            .distinct()
        )
        yield from session.exec(query)


# -- matching -----------------------------------------------------------------------------


def _ref_query() -> Any:
    return select(Enrollment, Prospect.email, Prospect.domain).join(
        Prospect, col(Prospect.id) == col(Enrollment.prospect_id)
    )


def _ref(row: tuple[Enrollment, str, str]) -> EnrollmentRef:
    enrollment, email, domain = row
    assert enrollment.id is not None
    return EnrollmentRef(
        id=enrollment.id,
        campaign_id=enrollment.campaign_id,
        prospect_id=enrollment.prospect_id,
        mailbox_id=enrollment.mailbox_id,
        email=email,
        domain=domain,
        state=enrollment.state,
    )


def candidates_for(session: Session, inbound: Inbound) -> Candidates:
    """Every enrollment :func:`~outreach.watcher.matching.match_inbound` may pick."""
    ids = [*inbound.referenced, *filter(None, [inbound.original_message_id])]
    addresses = [*filter(None, [inbound.sender]), *inbound.failed_addresses]
    domain = None if inbound.bounce else company_domain(_domain(inbound.sender))
    return Candidates(
        by_message_id=_by_message_id(session, ids),
        by_address=_grouped(session, col(Prospect.email).in_(addresses), lambda r: r.email),
        by_domain=_by_domain(session, domain),
    )


def _by_message_id(session: Session, ids: list[str]) -> dict[str, EnrollmentRef]:
    if not ids:
        return {}
    query = _ref_query().add_columns(Send.message_id)
    query = query.join(Send, col(Send.enrollment_id) == col(Enrollment.id))
    rows = session.exec(query.where(col(Send.message_id).in_(ids))).all()
    return {message_id: _ref((e, email, domain)) for e, email, domain, message_id in rows}


def _by_domain(session: Session, domain: str | None) -> dict[str, list[EnrollmentRef]]:
    if domain is None:
        return {}
    where = (col(Prospect.domain) == domain) & col(Enrollment.state).in_(LIVE)
    return _grouped(session, where, lambda ref: ref.domain)


def _grouped(session: Session, where: Any, key: Any) -> dict[str, list[EnrollmentRef]]:
    grouped: dict[str, list[EnrollmentRef]] = defaultdict(list)
    for row in session.exec(_ref_query().where(where)).all():
        ref = _ref(row)
        grouped[key(ref)].append(ref)
    return dict(grouped)


# -- targets ------------------------------------------------------------------------------


def _targets(session: Session, where: Any) -> list[Target]:
    """Targets of the enrollments ``where`` selects, in one query."""
    query = (
        select(Enrollment, Prospect, Campaign)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
        .where(where)
    )
    return [_target(*row) for row in session.exec(query).all()]


def _target(enrollment: Enrollment, prospect: Prospect, campaign: Campaign) -> Target:
    sequence = campaign_sequence(campaign)
    ref = _ref((enrollment, prospect.email, prospect.domain))
    return Target(ref, sequence.stop, enrollment.soft_bounces, prospect_zone(prospect, sequence))


def target_of(session: Session, ref: EnrollmentRef) -> Target:
    """The policy and counters of an enrollment."""
    [target] = _targets(session, col(Enrollment.id) == ref.id)
    return target


def colleagues_of(session: Session, match: Match, mailbox_id: int) -> list[Target]:
    """Live enrollments at the matched company domain, but the matched one.

    In the matched enrollment's campaign; for a company match (the sender is not enrolled)
    in every campaign with a live enrollment at that domain on this mailbox. Only
    campaigns whose sequence stops on a company reply are looked at.
    """
    if match.company is None or match.enrollment is None:
        return []
    if match.via == "company":
        campaigns = _company_campaigns(session, match.company, mailbox_id)
        keep = None
    else:
        campaigns, keep = [match.enrollment.campaign_id], match.enrollment.id
    stopping = [c for c in campaigns if _stops_on_company_reply(session, c)]
    where = (
        (col(Prospect.domain) == match.company)
        & col(Enrollment.state).in_(LIVE)
        & col(Enrollment.campaign_id).in_(stopping)
        & (col(Enrollment.id) != (keep or 0))
    )
    return _targets(session, where) if stopping else []


def _stops_on_company_reply(session: Session, campaign_id: int) -> bool:
    return campaign_sequence(session.get_one(Campaign, campaign_id)).stop.on_company_reply


def _company_campaigns(session: Session, domain: str, mailbox_id: int) -> list[int]:
    query = (
        select(Enrollment.campaign_id)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .where(
            col(Prospect.domain) == domain,
            col(Enrollment.state).in_(LIVE),
            col(Enrollment.mailbox_id) == mailbox_id,
        )
        .distinct()
    )
    return list(session.exec(query))


def _domain(address: str | None) -> str | None:
    return address.rpartition("@")[2] if address and "@" in address else None


def _chunks(values: set[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
