"""Challenge-response notices: a screening service holds the message for the sender.

Services such as Boxbe or Bluebottle answer unknown senders with "add yourself to my
guest list" and often wrap it in a delivery report (``Action: failed``, ``Status:
4.7.0``). The message was held, not refused, and no person has answered yet: it is an
automatic answer. Only delivery reports are checked (a person may well write "guest
list"), and a report with a 5.x.x recipient status stays a bounce.
"""

from __future__ import annotations

from email.message import Message

from outreach.mailbox.classify import dsn
from outreach.mailbox.classify.bounce_heuristics import report_head, report_text
from outreach.mailbox.classify.rules import Rules

_TEXT_LIMIT = 6_000


def challenge_evidence(msg: Message, rules: Rules) -> str | None:
    """Why ``msg`` is a challenge-response notice, None when it is not one."""
    if not dsn.is_delivery_report(msg):
        return None
    found = rules.challenge_phrases.search(report_head(report_text(msg))[:_TEXT_LIMIT])
    if found is None or _refused(msg):
        return None
    return f"challenge-response notice {found!r}"


def _refused(msg: Message) -> bool:
    """A recipient with a permanent (5.x.x) status: the message was refused after all."""
    return any((block.status or "").startswith("5.") for block in dsn.dsn_recipients(msg))
