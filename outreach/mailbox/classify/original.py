"""The returned original inside a bounce: attached message, header part or inline copy."""

from __future__ import annotations

import re
from email.message import Message

from outreach.mailbox.classify import mime

_MESSAGE_ID_RE = re.compile(r"^[ \t>]*Message-ID[ \t]*:[ \t]*\n?[ \t]*(<[^<>\s]+>)", re.I | re.M)
_ADDRESS_RE = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_TO_RE = re.compile(r"^[ \t>]*To[ \t]*:[ \t]*(.+)$", re.I | re.M)
_ORIGINAL_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers")


def original_parts(msg: Message) -> list[Message]:
    """Parts carrying the returned message or its headers."""
    return [part for part in mime.walk(msg) if mime.content_type(part) in _ORIGINAL_TYPES]


def has_original(msg: Message) -> bool:
    """True when the report returns the original message (or its headers) as a part."""
    return bool(original_parts(msg))


def original_message_id(msg: Message, report_text: str) -> str | None:
    """Message-ID of the bounced message: attached copy, inline copy, then In-Reply-To."""
    for part in original_parts(msg):
        if found := _part_message_id(part):
            return found
    if inline := _MESSAGE_ID_RE.search(report_text):
        return inline.group(1)
    return _first_id(mime.header(msg, "In-Reply-To")) or _last_id(mime.header(msg, "References"))


def original_to(msg: Message, report_text: str) -> list[str]:
    """Lower-cased To addresses of the returned original (attached or inline)."""
    for part in original_parts(msg):
        for sub in mime.children(part):
            return mime.addresses(sub, "To")
        if found := _TO_RE.search(mime.decoded_text(part)):
            return _addresses_in(found.group(1))
    found = _TO_RE.search(report_text)
    return _addresses_in(found.group(1)) if found else []


def _part_message_id(part: Message) -> str | None:
    for sub in mime.children(part):
        return _first_id(mime.header(sub, "Message-ID"))
    found = _MESSAGE_ID_RE.search(mime.decoded_text(part))
    return found.group(1) if found else None


def _first_id(value: str) -> str | None:
    found = re.search(r"<[^<>\s]+>", value)
    return found.group(0) if found else None


def _last_id(value: str) -> str | None:
    found = re.findall(r"<[^<>\s]+>", value)
    return found[-1] if found else None


def _addresses_in(value: str) -> list[str]:
    return [a.lower() for a in _ADDRESS_RE.findall(value)]
