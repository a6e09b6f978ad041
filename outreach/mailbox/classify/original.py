"""The returned original inside a bounce: attached message, header part or inline copy."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import Message

from outreach.mailbox.classify import mime

_MESSAGE_ID_RE = re.compile(r"^[ \t>]*Message-ID[ \t]*:[ \t]*\n?[ \t]*(<[^<>\s]+>)", re.I | re.M)
_ADDRESS_RE = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_TO_RE = re.compile(r"^[ \t>]*To[ \t]*:[ \t]*(.+)$", re.I | re.M)
_ORIGINAL_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers")
_ID_FIELD_RE = re.compile(
    r"^[ \t>]*(?:Message-ID|In-Reply-To|References|Resent-Message-ID)[ \t]*:"
    r"((?:[^\n]*)(?:\n[ \t>]*[ \t]+[^\n:]*<[^\n]*)*)",
    re.I | re.M,
)
"""A Message-ID/In-Reply-To/References field of an embedded copy, with folded lines."""
_ID_RE = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_RECEIVED_RE = re.compile(
    r"^[ \t>]*Received[ \t]*:([^\n]*(?:\n>?[ \t]+[^\n]*)*)", re.I | re.M
)
"""A Received field of an embedded copy, with its folded lines."""
_FOR_RE = re.compile(
    r"\bfor\s+<?([\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)",
    re.I | re.ASCII,
)
"""The ``for <addr>`` clause of a Received field (RFC 5321 4.4): the envelope recipient."""
_MAX_IDS = 40


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


def original_references(msg: Message, report_text: str) -> tuple[str, ...]:
    """Every Message-ID the returned original names: its own, then its In-Reply-To and
    References (ours, when we sent it: a follow-up refers to our earlier steps), from the
    attached copy or header part and from headers quoted in the report text. The watcher
    matches any of them against the Message-IDs we sent, so a bounce of a message whose
    Message-ID a relay rewrote still finds its sequence."""
    found: list[str] = []
    for part in original_parts(msg):
        for sub in mime.children(part):
            for name in ("Message-ID", "In-Reply-To", "References"):
                found.extend(_ID_RE.findall(mime.header(sub, name)))
        found.extend(_ids_in_text(mime.decoded_text(part)))
    found.extend(_ids_in_text(report_text))
    return tuple(dict.fromkeys(found))[:_MAX_IDS]


def _ids_in_text(text: str) -> list[str]:
    return [i for field in _ID_FIELD_RE.finditer(text) for i in _ID_RE.findall(field.group(1))]


def original_to(msg: Message, report_text: str) -> list[str]:
    """Lower-cased To addresses of the returned original (attached or inline)."""
    for part in original_parts(msg):
        for sub in mime.children(part):
            return mime.addresses(sub, "To")
        if found := _TO_RE.search(mime.decoded_text(part)):
            return _addresses_in(found.group(1))
    found = _TO_RE.search(report_text)
    return _addresses_in(found.group(1)) if found else []


def original_envelope_recipient(msg: Message, report_text: str) -> str | None:
    """The envelope recipient the returned copy was last received for: the ``for <addr>``
    clause of its topmost Received field that has one (attached copy, header part, then a
    copy quoted in the report text). The failing system's own hop names the address it
    could not deliver to, where the copy's To may name a list or nobody."""
    for part in original_parts(msg):
        for sub in mime.children(part):
            return _first_for(mime.headers(sub, "Received"))
        if found := _first_for(m.group(1) for m in _RECEIVED_RE.finditer(mime.decoded_text(part))):
            return found
    return _first_for(m.group(1) for m in _RECEIVED_RE.finditer(report_text))


def _first_for(fields: Iterable[str]) -> str | None:
    for value in fields:
        if found := _FOR_RE.search(" ".join(value.replace(">", " ").split())):
            return found.group(1).lower().strip(".")
    return None


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
