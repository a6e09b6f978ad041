"""A bounce forwarded by a person ("Fwd: Returned mail …"): the report is in the body.

Someone (the rep, a colleague, a helpdesk) forwards the mail system's report inline, often
``>``-quoted under "Begin forwarded message:". When the subject is a forward of a bounce
subject and the forwarded header block is from a mail system, that block is read as the
message itself.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.machine import machine_sender
from outreach.mailbox.classify.rules import Rules

_FORWARD_PREFIX_RE = re.compile(r"^\s*+(?:fwd?|wg|tr|rv|i|doorst)\s*+(?:\[\d+\])?\s*+:\s*", re.I)
_FROM_LINE_RE = re.compile(r"^[ \t>]*From:[ \t]*\S", re.M | re.I)
_QUOTE_RE = re.compile(r"^[ \t]*> ?", re.M)
_MAX_FORWARDED = 100_000


def forwarded_report(msg: Message, rules: Rules) -> Message | None:
    """The forwarded mail-system message inside ``msg``, None when there is none."""
    subject = mime.header(msg, "Subject")
    prefix = _FORWARD_PREFIX_RE.match(subject)
    if prefix is None:
        return None
    inner = subject[prefix.end() :]
    if not (rules.bounce_subjects.search(inner) or rules.bounce_delay_subjects.search(inner)):
        return None
    body = mime.body_text(msg)[:_MAX_FORWARDED]
    for found in _FROM_LINE_RE.finditer(body):
        block = _QUOTE_RE.sub("", body[found.start() :]).lstrip(" \t")
        inner_msg = email.message_from_string(block, policy=email.policy.compat32)
        if machine_sender(inner_msg) and mime.header(inner_msg, "Subject"):
            return inner_msg
    return None
