"""Delay warnings: "not delivered yet, still trying" — never a final bounce.

MTAs warn the sender when a message sits in the queue (Postfix ``delay_warning_time``,
Sendmail's "Warning: could not send message for past 4 hours", Exim's "Warning: message
… delayed 24 hours", Exchange's and Gmail's "Delivery delayed"/"Delivery incomplete").
Some carry an RFC 3464 report with ``Action: delayed``, many do not. Without one, the
notice is a delay when its subject, ``Auto-Submitted`` header or report text says so and
nothing in the report says the MTA gave up (``X-Failed-Recipients``, "giving up",
"permanent error" …): a failure report may quote the delay history of the message.
"""

from __future__ import annotations

import re
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.rules import Rules

_REPLY_PREFIX_RE = re.compile(r"^\s*+(?:re|aw|sv|antw|fwd?|wg|tr|rv|r)\s*+(?:\[\d+\])?\s*+:", re.I)
_WARNING_SUBMITTED_RE = re.compile(r"\bwarning\b|\bdelay", re.I)


def delay_evidence(msg: Message, head: str, rules: Rules) -> str | None:
    """Why ``msg`` (a bounce) is only a delay warning, None when it reports a failure.

    ``head`` is the report text before the returned copy of the original.
    """
    if gave_up(msg, head, rules):
        return None
    subject = mime.header(msg, "Subject")
    if not _REPLY_PREFIX_RE.match(subject):
        if found := rules.bounce_delay_subjects.search(subject):
            return f"delay warning: subject {found!r}"
    if _WARNING_SUBMITTED_RE.search(mime.header(msg, "Auto-Submitted")):
        return "delay warning: Auto-Submitted " + mime.header(msg, "Auto-Submitted").strip()
    if found := rules.bounce_delay_body.search(head):
        return f"delay warning: report text {found!r}"
    return None


def gave_up(msg: Message, head: str, rules: Rules) -> bool:
    """True when the report says delivery stopped for good."""
    if mime.header(msg, "X-Failed-Recipients"):
        return True
    return rules.bounce_gave_up.search(head) is not None
