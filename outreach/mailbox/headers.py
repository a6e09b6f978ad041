"""The few headers fetched of every new message, as plain values (pure, never raises).

The watcher first fetches only :data:`HEADER_FIELDS` of new messages and decides from
them which deserve a full download (see :mod:`outreach.watcher.screening`).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

HEADER_FIELDS = (
    "FROM",
    "SENDER",
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "SUBJECT",
    "RETURN-PATH",
    "AUTO-SUBMITTED",
    "X-AUTOREPLY",
    "X-AUTORESPOND",
    "PRECEDENCE",
    "X-FAILED-RECIPIENTS",
    "CONTENT-TYPE",
)
"""Header fields fetched for every new message (``BODY.PEEK[HEADER.FIELDS (…)]``)."""

MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class HeaderFacts:
    """What the fetched headers say; addresses lower-cased, Message-IDs as written."""

    message_id: str | None
    from_addr: str | None
    referenced: tuple[str, ...]
    """Message-IDs of In-Reply-To then References (newest first)."""
    subject: str
    from_header: str
    null_sender: bool
    """``Return-Path: <>``: a bounce or an RFC 3834 automatic answer."""
    automatic: bool
    """Auto-Submitted (not ``no``), X-Autoreply/X-Autorespond or an auto/bulk Precedence."""
    report: bool
    """``multipart/report`` (a DSN) or ``X-Failed-Recipients`` present."""

    @property
    def from_domain(self) -> str | None:
        return self.from_addr.rpartition("@")[2] if self.from_addr else None


def parse_header_block(raw: bytes) -> Message:
    """A header-only message (tolerant ``compat32`` parsing)."""
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def header_facts(raw: bytes) -> HeaderFacts:
    """:class:`HeaderFacts` of a fetched header block (or of a whole message)."""
    if not raw.strip():
        return HeaderFacts(None, None, (), "", "", False, False, False)
    msg = parse_header_block(raw)
    return HeaderFacts(
        message_id=first_message_id(text(msg, "Message-ID")),
        from_addr=first_address(text(msg, "From")),
        referenced=referenced_ids(msg),
        subject=text(msg, "Subject"),
        from_header=text(msg, "From"),
        null_sender=text(msg, "Return-Path").replace(" ", "") == "<>",
        automatic=_automatic(msg),
        report=_report(msg),
    )


def text(msg: Message, name: str) -> str:
    """A header as decoded text; ``""`` when missing or unreadable."""
    try:
        value = msg.get(name)
    except Exception:
        return ""
    if value is None:
        return ""
    raw = str(value)
    if "=?" in raw:
        with contextlib.suppress(Exception):
            return str(make_header(decode_header(raw)))
    return raw.strip()


def first_address(value: str) -> str | None:
    """The first address of an address header, lower-cased."""
    with contextlib.suppress(Exception):
        for _name, address in getaddresses([value]):
            if "@" in address:
                return address.strip().lower()
    return None


def first_message_id(value: str) -> str | None:
    found = MESSAGE_ID.search(value)
    return found.group(0) if found else None


def referenced_ids(msg: Message) -> tuple[str, ...]:
    """In-Reply-To first, then References newest first, without repeats."""
    in_reply_to = MESSAGE_ID.findall(text(msg, "In-Reply-To"))
    references = MESSAGE_ID.findall(text(msg, "References"))[::-1]
    ordered = dict.fromkeys([*in_reply_to, *references])
    return tuple(ordered)


def _automatic(msg: Message) -> bool:
    submitted = text(msg, "Auto-Submitted").lower()
    precedence = text(msg, "Precedence").lower()
    return (
        (bool(submitted) and submitted != "no")
        or bool(text(msg, "X-Autoreply") or text(msg, "X-Autorespond"))
        or precedence in ("auto_reply", "bulk", "junk", "list")
    )


def _report(msg: Message) -> bool:
    content_type = text(msg, "Content-Type").lower()
    return content_type.startswith("multipart/report") or bool(text(msg, "X-Failed-Recipients"))
