"""Which new messages deserve a full download, decided from their headers alone (pure).

Only messages that may concern a sequence are downloaded and classified: answers in one
of our threads, mail from enrolled prospects or their company domain, and delivery
reports. Everything else in the rep's mailbox is never read past its headers (and never
stored). Our own copies (From one of our mailboxes, or a Message-ID we sent) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.mailbox.classify import Rules
from outreach.mailbox.headers import HeaderFacts


@dataclass(frozen=True)
class Known:
    """What the database knows about the addresses and Message-IDs of a batch of headers."""

    our_addresses: frozenset[str]
    """Every mailbox address of ours (lower-cased)."""
    our_message_ids: frozenset[str]
    """The Message-IDs of the batch (its own or referenced ones) that we sent."""
    prospect_addresses: frozenset[str]
    """Senders of the batch (or addresses their display names claim) that are enrolled
    prospects."""
    prospect_domains: frozenset[str]
    """Company (non-freemail) sender domains of the batch with a live enrollment."""


def looks_like_report(facts: HeaderFacts, rules: Rules) -> bool:
    """A delivery report or another machine's answer, judged by headers only."""
    if facts.report or facts.null_sender:
        return True
    return bool(
        rules.bounce_senders.search(facts.from_header)
        or rules.bounce_subjects.search(facts.subject)
    )


def screen(facts: HeaderFacts, known: Known, rules: Rules) -> str | None:
    """Why this message must be read in full (``thread``, ``report``, ``prospect``,
    ``company``, ``claimed``), or None to leave it alone."""
    if facts.message_id is not None and facts.message_id in known.our_message_ids:
        return None
    if any(ref in known.our_message_ids for ref in facts.referenced):
        return None if facts.from_addr in known.our_addresses else "thread"
    if looks_like_report(facts, rules):
        return "report"
    if facts.from_addr in known.our_addresses:
        return None
    if facts.from_addr in known.prospect_addresses:
        return "prospect"
    if facts.from_domain in known.prospect_domains:
        return "company"
    if facts.claimed_addr in known.prospect_addresses:
        return "claimed"  # an impersonation: read it, to hold it for review
    return None
