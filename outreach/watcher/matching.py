"""Which enrollment an inbound message is about (pure: plain values in, a Match out).

In order: a Message-ID of ours in In-Reply-To/References (a bounce: the original's
Message-ID, then its own references) → that send's enrollment, *tied*; else the sender (a
bounce: a failed recipient) is an enrolled prospect → their latest live enrollment (any,
when none is live); else the sender's company domain (never a free-mail one) has a live
enrollment → company match; else an address its display name claims is a prospect's →
that prospect (``claimed``, only ever held for review). What an untied match may do is
decided by :func:`outreach.lifecycle.rules.held_reason`. The database lookups that feed
this live in :mod:`outreach.watcher.lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from outreach.lifecycle.values import EnrollmentRef
from outreach.prospects.freemail import company_domain

Via = Literal["thread", "sender", "original", "recipient", "company", "claimed", "none"]
TIED: tuple[Via, ...] = ("thread", "original")
"""Matches through a Message-ID we sent."""


@dataclass(frozen=True)
class Inbound:
    """The matching-relevant facts of one classified message."""

    sender: str | None
    referenced: tuple[str, ...] = ()
    bounce: bool = False
    original_message_id: str | None = None
    failed_addresses: tuple[str, ...] = ()
    claimed: str | None = None
    """An address the From display name shows that is not the sender's."""


@dataclass(frozen=True)
class Match:
    """The enrollment a message is linked to (None: none) and how it was found."""

    enrollment: EnrollmentRef | None
    via: Via
    company: str | None = None
    """The company domain a company stop would apply to (None for free-mail)."""

    @property
    def tied(self) -> bool:
        """Found through a Message-ID we sent (not an address anyone can write)."""
        return self.via in TIED


@dataclass(frozen=True)
class Candidates:
    """Looked-up enrollments: by a Message-ID we sent, by prospect address, by domain."""

    by_message_id: Mapping[str, EnrollmentRef]
    by_address: Mapping[str, Sequence[EnrollmentRef]]
    by_domain: Mapping[str, Sequence[EnrollmentRef]]


def match_inbound(inbound: Inbound, found: Candidates, mailbox_id: int) -> Match:
    """The enrollment ``inbound`` is about; see the module docstring for the order."""
    if inbound.bounce:
        return _match_bounce(inbound, found, mailbox_id)
    for ref in inbound.referenced:
        if ref in found.by_message_id:
            return _linked(found.by_message_id[ref], "thread")
    by_sender = pick(found.by_address.get(inbound.sender or "", ()), mailbox_id)
    if by_sender is not None:
        return _linked(by_sender, "sender")
    domain = company_domain(_domain(inbound.sender))
    at_company = pick(found.by_domain.get(domain or "", ()), mailbox_id, live_only=True)
    if at_company is not None:
        return Match(at_company, "company", domain)
    by_claim = pick(found.by_address.get(inbound.claimed or "", ()), mailbox_id)
    if by_claim is not None:
        return _linked(by_claim, "claimed")
    return Match(None, "none", domain)


def _match_bounce(inbound: Inbound, found: Candidates, mailbox_id: int) -> Match:
    for message_id in filter(None, [inbound.original_message_id, *inbound.referenced]):
        if message_id in found.by_message_id:
            return _linked(found.by_message_id[message_id], "original")
    for address in inbound.failed_addresses:
        ref = pick(found.by_address.get(address, ()), mailbox_id)
        if ref is not None:
            return _linked(ref, "recipient")
    return Match(None, "none")


def _linked(ref: EnrollmentRef, via: Via) -> Match:
    return Match(ref, via, company_domain(ref.domain))


def pick(
    refs: Iterable[EnrollmentRef], mailbox_id: int, *, live_only: bool = False
) -> EnrollmentRef | None:
    """The latest live enrollment (this mailbox's first), else the latest of any state."""
    ordered = sorted(refs, key=lambda ref: (ref.live, ref.mailbox_id == mailbox_id, ref.id))
    if not ordered:
        return None
    best = ordered[-1]
    return best if best.live or not live_only else None


def _domain(address: str | None) -> str | None:
    return address.rpartition("@")[2] if address and "@" in address else None
