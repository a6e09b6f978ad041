"""The database lookups behind screening and matching (small, batched, read-only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from outreach.lifecycle.rules import Target
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.lifecycle.values import EnrollmentRef
from outreach.mailbox.headers import HeaderFacts
from outreach.prospects.freemail import company_domain
from outreach.sequences.prospect import prospect_zone
from outreach.states import LIVE
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send
from outreach.watcher.matching import Candidates, Inbound, Match
from outreach.watcher.screening import Known

CHUNK = 500  # values per IN (...): far below any database's parameter limit


def our_addresses(session: Session) -> frozenset[str]:
    """Every address of ours: mailbox addresses and address-like login names."""
    return addresses_of(session.exec(select(Mailbox.email, Mailbox.username)).all())


def addresses_of(mailboxes: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Our addresses among (email, login name) pairs of mailboxes."""
    found: set[str] = set()
    for email, user in mailboxes:
        found.add(email.lower())
        if "@" in user:
            found.add(user.lower())
    return frozenset(found)


def known_for(session: Session, batch: Sequence[HeaderFacts], ours: frozenset[str]) -> Known:
    """:class:`Known` for a batch of header facts: a handful of queries, whatever its size."""
    ids = {ref for facts in batch for ref in _ids_of(facts)}
    senders = {a for facts in batch for a in (facts.from_addr, facts.claimed_addr) if a}
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
    return (
        select(Enrollment, Prospect.email, Prospect.domain, Campaign.name)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
    )


def _ref(row: tuple[Enrollment, str, str, str]) -> EnrollmentRef:
    enrollment, email, domain, campaign = row
    assert enrollment.id is not None
    return EnrollmentRef(
        id=enrollment.id,
        campaign_id=enrollment.campaign_id,
        prospect_id=enrollment.prospect_id,
        mailbox_id=enrollment.mailbox_id,
        email=email,
        domain=domain,
        state=enrollment.state,
        campaign_name=campaign,
    )


def candidates_for(session: Session, inbound: Inbound) -> Candidates:
    """Every enrollment :func:`~outreach.watcher.matching.match_inbound` may pick."""
    ids = [*inbound.referenced, *filter(None, [inbound.original_message_id])]
    addresses = [*filter(None, [inbound.sender, inbound.claimed]), *inbound.failed_addresses]
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
    return {mid: _ref((e, email, domain, name)) for e, email, domain, name, mid in rows}


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
    ref = _ref((enrollment, prospect.email, prospect.domain, campaign.name))
    return Target(ref, sequence.stop, enrollment.soft_bounces, prospect_zone(prospect, sequence))


def target_of(session: Session, ref: EnrollmentRef) -> Target:
    """The policy and counters of an enrollment."""
    [target] = _targets(session, col(Enrollment.id) == ref.id)
    return target


def person_of(session: Session, ref: EnrollmentRef) -> list[Target]:
    """Every live enrollment of the person ``ref`` belongs to, in every campaign."""
    where = (col(Enrollment.prospect_id) == ref.prospect_id) & col(Enrollment.state).in_(LIVE)
    return _targets(session, where)


def colleagues_of(session: Session, match: Match) -> list[Target]:
    """Live enrollments of other people at the matched company domain, in every campaign
    whose sequence stops on a company reply (the rules check each one's policy)."""
    if match.company is None or match.enrollment is None:
        return []
    where = (col(Prospect.domain) == match.company) & col(Enrollment.state).in_(LIVE)
    if match.via != "company":
        where = where & (col(Enrollment.prospect_id) != match.enrollment.prospect_id)
    return [t for t in _targets(session, where) if t.stop.on_company_reply]


def _domain(address: str | None) -> str | None:
    return address.rpartition("@")[2] if address and "@" in address else None


def _chunks(values: set[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
