"""Message disposition notifications (RFC 8098): read receipts and refusals.

A ``multipart/report; report-type=disposition-notification`` says what happened to a
message at the recipient's end. ``displayed``/``processed``/``dispatched`` are receipts;
``deleted`` (and RFC 2298's ``denied``/``failed``) mean the recipient, or a filter of
theirs such as a Sieve ``reject`` (RFC 5429), refused it: the person does not want our
mail, which ends their enrollments and suppresses the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.dsn import address_of, parse_field_blocks
from outreach.mailbox.classify.original import original_message_id

_MDN_TYPE = "message/disposition-notification"
REFUSING = frozenset({"deleted", "denied", "failed"})
"""Disposition types (and RFC 2298 modifiers) that refuse the message."""


@dataclass(frozen=True)
class Disposition:
    """The fields of one disposition notification that matter to us."""

    recipient: str | None
    """Final-Recipient (else Original-Recipient), lower-cased."""
    original_recipient: str | None
    original_message_id: str | None
    disposition: str
    """The disposition type and modifiers, e.g. ``deleted`` or ``displayed``."""
    explanation: str
    """The human-readable part's first lines (a Sieve reject's reason)."""

    @property
    def refused(self) -> bool:
        """True for ``deleted``/``denied``/``failed``: the recipient refused our mail."""
        words = self.disposition.replace("/", " ").replace(",", " ").split()
        return any(word in REFUSING for word in words)


def disposition_parts(msg: Message) -> list[Message]:
    """Every ``message/disposition-notification`` part."""
    return [part for part in mime.walk(msg) if mime.content_type(part) == _MDN_TYPE]


def is_disposition_report(msg: Message) -> bool:
    """True for an RFC 8098 report (by its report type or its notification part)."""
    if mime.content_type(msg) == "multipart/report":
        if mime.param(msg, "report-type") == "disposition-notification":
            return True
    return bool(disposition_parts(msg))


def read_disposition(msg: Message) -> Disposition | None:
    """The first notification's fields, None when there is no readable one."""
    for part in disposition_parts(msg):
        fields = _fields(part)
        if "disposition" not in fields:
            continue
        final = address_of(fields.get("final-recipient", ""))
        original = address_of(fields.get("original-recipient", ""))
        message_id = _angle(fields.get("original-message-id", ""))
        return Disposition(
            recipient=final or original,
            original_recipient=original if original != final else None,
            original_message_id=message_id or original_message_id(msg, ""),
            disposition=_type_of(fields["disposition"]),
            explanation=_explanation(msg),
        )
    return None


def _fields(part: Message) -> dict[str, str]:
    subs = mime.children(part)
    items = mime.header_items(subs[0]) if subs else []
    if items:
        return {key.lower(): value for key, value in items}
    merged: dict[str, str] = {}
    for block in parse_field_blocks(mime.decoded_text(part)):
        for key, value in block.items():
            merged.setdefault(key, value)
    return merged


def _type_of(value: str) -> str:
    """``automatic-action/MDN-sent-automatically; deleted`` → ``deleted``."""
    _modes, _sep, kind = value.partition(";")
    return " ".join((kind or value).lower().split())


def _angle(value: str) -> str | None:
    value = value.strip()
    start, end = value.find("<"), value.find(">")
    return value[start : end + 1] if 0 <= start < end else None


def _explanation(msg: Message) -> str:
    for part in mime.top_level_leaves(msg):
        if mime.content_type(part) == "text/plain" and not mime.is_attachment(part):
            lines = [line.strip() for line in mime.decoded_text(part).splitlines() if line.strip()]
            return " ".join(lines[:3])[:300]
    return ""
