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
_NAME_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_NAME_LIMIT = 500
_HEADER_LIMIT = 2_000
"""Characters of a display name searched for a claimed address (regexes stay linear)."""


@dataclass(frozen=True)
class HeaderFacts:
    """What the fetched headers say; addresses lower-cased, Message-IDs as written."""

    message_id: str | None
    from_addr: str | None
    referenced: tuple[str, ...]
    """Message-IDs of In-Reply-To then References (newest first)."""
    subject: str
    from_header: str
    """The From header as decoded text (display name and address)."""
    null_sender: bool
    """``Return-Path: <>``: a bounce or an RFC 3834 automatic answer."""
    automatic: bool
    """Auto-Submitted (not ``no``), X-Autoreply/X-Autorespond or an auto/bulk Precedence."""
    report: bool
    """``multipart/report`` (a DSN) or ``X-Failed-Recipients`` present."""
    claimed_addr: str | None = None
    """An address the From display name shows that is not the sender's own (lower-cased):
    ``"carol@acme.test" <attacker@evil.test>`` claims carol and is from the attacker."""

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
    name, address = sender(msg)
    return HeaderFacts(
        message_id=first_message_id(text(msg, "Message-ID")),
        from_addr=address,
        referenced=referenced_ids(msg),
        subject=text(msg, "Subject"),
        from_header=text(msg, "From"),
        null_sender=text(msg, "Return-Path").replace(" ", "") == "<>",
        automatic=_automatic(msg),
        report=_report(msg),
        claimed_addr=claimed_address(name, address),
    )


def raw_text(msg: Message, name: str) -> str:
    """A header as written (encoded words left encoded); ``""`` when missing or unreadable."""
    try:
        value = msg.get(name)
    except Exception:
        return ""
    return "" if value is None else str(value).strip()


def text(msg: Message, name: str) -> str:
    """A header as decoded text; ``""`` when missing or unreadable.

    Never parse addresses out of this: an encoded display name decodes to any text, an
    address among it (see :func:`sender`).
    """
    return decode_words(raw_text(msg, name))


def decode_words(value: str) -> str:
    """``value`` with its RFC 2047 encoded words decoded (unchanged when undecodable)."""
    if "=?" in value:
        with contextlib.suppress(Exception):
            return str(make_header(decode_header(value)))
    return value.strip()


def sender(msg: Message) -> tuple[str, str | None]:
    """``(decoded display name, lower-cased address)`` of the From header.

    The address is parsed from the header as written, and only then the display name
    decoded: what an encoded word hides can never become the address.
    """
    name, address = first_pair(raw_text(msg, "From"))
    return decode_words(name), address


def first_pair(value: str) -> tuple[str, str | None]:
    """``(display name as written, lower-cased address)`` of an address header: the first
    address written in angle brackets, else the first address.

    ``carol@acme.test <attacker@evil.test>`` is the attacker's, written as carol: a bare
    address before an angle address is a display name, not a second sender.
    """
    pairs = _pairs(value)
    angled = [(n, a) for n, a in pairs if re.search(rf"<\s*{re.escape(a)}\s*>", value, re.I)]
    name, address = next(iter(angled or pairs), ("", None))
    if address is None:
        return "", None
    others = " ".join(a for _, a in pairs if a != address)
    return " ".join(filter(None, [others, name])), address


def _pairs(value: str) -> list[tuple[str, str]]:
    with contextlib.suppress(Exception):
        pairs = getaddresses([value[:_HEADER_LIMIT]])
        return [(name, address.strip().lower()) for name, address in pairs if "@" in address]
    return []


def claimed_address(name: str, address: str | None) -> str | None:
    """An address shown in a (decoded) display name that is not ``address``."""
    if "@" not in name:
        return None
    for found in _NAME_ADDRESS.findall(name[:_NAME_LIMIT]):
        if found.lower() != address:
            return str(found).lower()
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
