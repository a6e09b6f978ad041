"""Result values of the inbound-message classifier (frozen dataclasses, no behaviour)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What an inbound message means for a running sequence."""

    REPLY = "reply"
    """A person answered: halt the follow-ups."""
    AUTO_REPLY = "auto_reply"
    """Out-of-office or other machine answer: the person has not answered yet."""
    BOUNCE = "bounce"
    """The message could not be delivered (or delivery is delayed, see ``Bounce.final``)."""
    UNSUBSCRIBE = "unsubscribe"
    """The person asked not to be mailed again."""
    OTHER = "other"
    """Newsletters, feedback reports, delivery confirmations, our own copies…"""


class BounceReason(StrEnum):
    """Why a recipient failed, coarse enough to act on."""

    USER_UNKNOWN = "user_unknown"
    HOST_UNKNOWN = "host_unknown"
    HAS_MOVED = "has_moved"
    NOT_ACCEPT = "not_accept"
    MAILBOX_FULL = "mailbox_full"
    DISABLED = "disabled"
    EXPIRED = "expired"
    DELAYED = "delayed"
    BLOCKED = "blocked"
    REFUSED = "refused"
    """The recipient (or their filter: a Sieve ``reject``) refused the message (RFC 8098
    ``deleted``/``denied``/``failed`` disposition): they do not want our mail."""
    OTHER = "other"


HARD_REASONS = frozenset(
    {
        BounceReason.USER_UNKNOWN,
        BounceReason.HOST_UNKNOWN,
        BounceReason.HAS_MOVED,
        BounceReason.NOT_ACCEPT,
        BounceReason.REFUSED,
    }
)
"""Reasons saying never to mail the address again: it is dead, or its owner refused us."""


@dataclass(frozen=True)
class FailedRecipient:
    """One recipient named by a bounce, with what the reporting MTA said about it."""

    address: str | None
    """The failed address (lower-cased), or None when the bounce names none."""
    status: str | None = None
    """RFC 3463 enhanced status code such as ``5.1.1``."""
    action: str | None = None
    """RFC 3464 ``Action`` (``failed``, ``delayed``…), None for non-standard bounces."""
    diagnostic: str | None = None
    """The remote server's text (``Diagnostic-Code`` or the SMTP line found in the body)."""
    reason: BounceReason = BounceReason.OTHER
    """Coarse cause derived from status and diagnostic text."""
    original_address: str | None = None
    """RFC 3464 ``Original-Recipient`` when it differs (the address we sent to, before an
    alias or forward rewrote it): match prospects on ``address`` and this."""

    @property
    def hard(self) -> bool:
        """True when the address must never be mailed again: dead (unknown user/domain,
        moved) or its owner refused our mail. ``final`` says whether the MTA still retries.

        A 4.x.x status is never hard: the server itself calls the failure temporary.
        """
        return self.reason in HARD_REASONS and not (self.status or "").startswith("4.")

    @property
    def final(self) -> bool:
        """False for a delay warning: the MTA is still retrying."""
        return self.action != "delayed" and self.reason is not BounceReason.DELAYED


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report (RFC 3464 DSN or a non-standard bounce)."""

    recipients: tuple[FailedRecipient, ...]
    """Every recipient the report names (at least one entry, address may be None)."""
    original_message_id: str | None = None
    """Message-ID of the message that bounced, when the report carries it."""
    standard: bool = False
    """True when parsed from a ``message/delivery-status`` part (RFC 3464)."""
    original_references: tuple[str, ...] = ()
    """Every Message-ID the returned original names (its own, In-Reply-To, References),
    attached or quoted: what to match against the Message-IDs we sent."""

    @property
    def reported(self) -> tuple[FailedRecipient, ...]:
        """The recipients this report is about: in a final report those that failed for
        good (a report may also list others still being retried), in a delay warning all."""
        final = self.final
        return tuple(r for r in self.recipients if r.final == final)

    @property
    def addresses(self) -> tuple[str, ...]:
        """The addresses of :attr:`reported`, without the unknown ones."""
        return tuple(r.address for r in self.reported if r.address)

    @property
    def all_addresses(self) -> tuple[str, ...]:
        """Failed and original addresses: what to match against the prospects mailed."""
        found = [a for r in self.recipients for a in (r.address, r.original_address) if a]
        return tuple(dict.fromkeys(found))

    @property
    def status(self) -> str | None:
        """The first known status code."""
        return next((r.status for r in self.recipients if r.status), None)

    @property
    def hard(self) -> bool:
        """True when every recipient that failed for good has a dead address (recipients
        a mixed report lists as still being retried do not count)."""
        return all(r.hard for r in self.reported)

    @property
    def final(self) -> bool:
        """True unless this is only a delay warning (``Action: delayed``) for all recipients."""
        return any(r.final for r in self.recipients)

    @property
    def refused(self) -> bool:
        """True when a recipient refused the message (a disposition notification)."""
        return any(r.reason is BounceReason.REFUSED for r in self.recipients)


@dataclass(frozen=True)
class AutoReply:
    """An automatic answer such as an out-of-office notice."""

    return_date: dt.date | None = None
    """The date the person says they are back (or away until), when stated."""


@dataclass(frozen=True)
class Classification:
    """What an inbound message is, with the details the watcher acts on."""

    kind: Kind
    evidence: str
    """Short human-readable why (header or phrase that decided), for logs and the TUI."""
    bounce: Bounce | None = None
    auto_reply: AutoReply | None = None
    new_text: str = ""
    """The sender's own text (quotes and signature removed); empty for bounces."""
    flags: frozenset[str] = field(default_factory=frozenset)
    """Extra facts: ``feedback_report``, ``delivered_dsn``, ``bulk``, ``from_us``…"""
