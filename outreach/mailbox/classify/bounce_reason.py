"""Why a recipient failed: the SMTP stage, the diagnostic wording, then RFC 3463 codes.

Hard means the address itself is dead (unknown user or domain, moved, domain accepts no
mail). A 5.x.x rejection for policy, spam or a full mailbox is final for this message but
says nothing about the address, so it is soft; so is a 4.x.x failure after queue expiry.
Two facts outrank the wording, because they say what the rejection is about:

- refused before ``RCPT TO`` (greeting, ``HELO``, ``MAIL FROM``) or with a sender status
  (X.1.7 bad sender address, X.1.8 bad sender system), it concerns us, not the recipient;
- "user unknown" answered to ``DATA`` comes from a content or sender filter (the server
  accepted the address at ``RCPT TO``), unless the reporting MTA's own status says the
  address was at fault (X.1.x: pipelining MTAs read ``RCPT TO`` replies after ``DATA``).
"""

from __future__ import annotations

from outreach.mailbox.classify.dsn import STATUS_RE
from outreach.mailbox.classify.model import BounceReason
from outreach.mailbox.classify.rules import Rules
from outreach.mailbox.classify.smtp_stage import BEFORE_RECIPIENT, Stage, failed_stage

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
_SENDER_DETAILS = frozenset({"1.7", "1.8"})
"""RFC 3463 X.1.7 / X.1.8: the *sender's* address or domain is bad."""


def bounce_reason(
    status: str | None, diagnostic: str, action: str | None, rules: Rules, report: str = ""
) -> BounceReason:
    """The coarse reason of one failed recipient: wording before status codes, as many
    servers send a generic or wrong status code with a precise text ("552 sorry, over
    quota (#5.1.1)"). ``report`` is the report text about this recipient (stage clues)."""
    if action == "delayed":
        return BounceReason.DELAYED
    stage = failed_stage(report) or failed_stage(diagnostic)
    if stage in BEFORE_RECIPIENT or _sender_status(status, diagnostic):
        return BounceReason.BLOCKED
    reason = (
        _reason_by_text(diagnostic, rules)
        or _reason_by_status(status)
        or _reason_by_text(report, rules)  # the human-readable part, when the code is vague
        or _reason_by_class(status, action)
    )
    if reason is BounceReason.USER_UNKNOWN and stage is Stage.DATA and not _address_status(status):
        return BounceReason.BLOCKED
    return reason


def detail(status: str | None) -> str:
    """``1.1`` for ``5.1.1``: the subject and detail of an RFC 3463 code."""
    return status.split(".", 1)[1] if status and "." in status else ""


def _sender_status(status: str | None, diagnostic: str) -> bool:
    codes = [status, *(".".join(m.groups()) for m in STATUS_RE.finditer(diagnostic[:2_000]))]
    return any(detail(code) in _SENDER_DETAILS for code in codes)


def _address_status(status: str | None) -> bool:
    """X.1.x: the reporting MTA says the destination address was at fault."""
    return detail(status).startswith("1.")


def _reason_by_status(status: str | None) -> BounceReason | None:
    """The reason a specific code names; X.7.x (security or policy) is always a rejection."""
    if status and detail(status).startswith("7.") and not status.startswith("2."):
        return BounceReason.BLOCKED
    return _BY_DETAIL.get(detail(status))


def _reason_by_text(diagnostic: str, rules: Rules) -> BounceReason | None:
    checks = (
        (rules.bounce_blocked, BounceReason.BLOCKED),
        (rules.bounce_network, BounceReason.OTHER),
        (rules.bounce_mailbox_full, BounceReason.MAILBOX_FULL),
        (rules.bounce_disabled, BounceReason.DISABLED),
        (rules.bounce_has_moved, BounceReason.HAS_MOVED),
        (rules.bounce_not_accept, BounceReason.NOT_ACCEPT),
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
