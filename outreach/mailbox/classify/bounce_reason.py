"""Why a recipient failed: RFC 3463 status detail first, then the diagnostic wording.

Hard means the address itself is dead (unknown user or domain, moved, domain accepts no
mail). A 5.x.x rejection for policy, spam or a full mailbox is final for this message but
says nothing about the address, so it is soft; so is a 4.x.x failure after queue expiry.
"""

from __future__ import annotations

import re

from outreach.mailbox.classify.model import BounceReason
from outreach.mailbox.classify.rules import Rules

_BY_DETAIL = {
    "1.1": BounceReason.USER_UNKNOWN,
    "1.2": BounceReason.HOST_UNKNOWN,
    "1.3": BounceReason.USER_UNKNOWN,
    "1.6": BounceReason.HAS_MOVED,
    "1.7": BounceReason.BLOCKED,
    "1.8": BounceReason.BLOCKED,
    "1.10": BounceReason.NOT_ACCEPT,
    "2.1": BounceReason.DISABLED,
    "2.2": BounceReason.MAILBOX_FULL,
    "4.4": BounceReason.HOST_UNKNOWN,
    "4.7": BounceReason.EXPIRED,
}


_AFTER_DATA_RE = re.compile(r"in reply to (?:end of )?DATA\b|after (?:end of )?data\b", re.I)


def bounce_reason(
    status: str | None, diagnostic: str, action: str | None, rules: Rules, report: str = ""
) -> BounceReason:
    """The coarse reason of one failed recipient: wording first, as many servers send a
    generic or wrong status code with a precise text ("552 sorry, over quota (#5.1.1)")."""
    if action == "delayed":
        return BounceReason.DELAYED
    reason = (
        _reason_by_text(diagnostic, rules)
        or _reason_by_status(status)
        or _reason_by_class(status, action)
    )
    if reason is BounceReason.USER_UNKNOWN and _AFTER_DATA_RE.search(report or diagnostic):
        # Accepted at RCPT TO, refused after the content: a filter, not a dead address.
        return BounceReason.BLOCKED
    return reason


def _reason_by_status(status: str | None) -> BounceReason | None:
    if not status:
        return None
    detail = status.split(".", 1)[1] if "." in status else ""
    return _BY_DETAIL.get(detail)


def _reason_by_text(diagnostic: str, rules: Rules) -> BounceReason | None:
    checks = (
        (rules.bounce_blocked, BounceReason.BLOCKED),
        (rules.bounce_mailbox_full, BounceReason.MAILBOX_FULL),
        (rules.bounce_disabled, BounceReason.DISABLED),
        (rules.bounce_has_moved, BounceReason.HAS_MOVED),
        (rules.bounce_host_unknown, BounceReason.HOST_UNKNOWN),
        (rules.bounce_user_unknown, BounceReason.USER_UNKNOWN),
        (rules.bounce_expired, BounceReason.EXPIRED),
    )
    for phrases, reason in checks:
        if phrases.search(diagnostic):
            return reason
    return None


def _reason_by_class(status: str | None, action: str | None) -> BounceReason:
    if status and status.startswith("4."):
        return BounceReason.EXPIRED if action == "failed" else BounceReason.OTHER
    if status and status.startswith("5.7."):
        return BounceReason.BLOCKED
    return BounceReason.OTHER
