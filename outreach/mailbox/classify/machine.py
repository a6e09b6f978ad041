"""Mail-system senders: a mailer daemon or mailing-list software never writes a reply.

A message from ``MAILER-DAEMON``/"Mail Delivery Subsystem" (or with a null sender) that
is not recognisably a bounce is still mail-system mail: counting it as a person's reply
would stop a sequence and inflate the reply rate. The same holds for list managers'
robot addresses (``neko-admin@``, ``owner-list@``, ``list-request@``, majordomo…) when
the message carries a list manager's header. ``postmaster`` is left out: a person
answers as postmaster.
"""

from __future__ import annotations

import re
from email.message import Message

from outreach.mailbox.classify import mime

_DAEMON_RE = re.compile(
    r"\bmailer[-_ .]?daemon\b|\bmail[-.]?daemon@|\bmail delivery (?:subsystem|system|service)\b",
    re.I,
)
_LIST_ROBOT_RE = re.compile(
    r"^(?:owner-[^@]+|[^@]+-(?:admin|owner|request|bounces?)|majordomo|listserv|listproc"
    r"|mailman|ezmlm|sympa|fml)@",
    re.I,
)
_LIST_SOFTWARE_HEADERS = (
    "X-MLServer",
    "X-ML-Name",
    "X-ML-Info",
    "Mailing-List",
    "X-Mailman-Version",
    "X-Listprocessor-Version",
    "X-LISTSERV-Version",
    "X-Ezmlm-Version",
    "List-Id",
)


def machine_sender(msg: Message) -> str | None:
    """Why ``msg`` comes from mail software rather than a person, None otherwise."""
    name, address = mime.from_address(msg)
    if "From" in msg and not (name or address):
        return "empty From (null sender)"
    if _DAEMON_RE.search(address) or _DAEMON_RE.search(name):
        return f"mail system sender {address or name}"
    if _LIST_ROBOT_RE.match(address) and any(mime.header(msg, h) for h in _LIST_SOFTWARE_HEADERS):
        return f"mailing-list software sender {address}"
    return None
