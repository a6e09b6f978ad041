"""RFC 3464 delivery status notifications: the ``message/delivery-status`` fields.

The fields are read from the parsed sub-blocks when the MIME parser produced them, or
from the part's decoded text otherwise (base64-encoded or mislabelled reports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message

from outreach.mailbox.classify import mime

STATUS_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d])")
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_ADDRESS_RE = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII
)
_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RECIPIENT_FIELDS = frozenset({"final-recipient", "original-recipient", "action", "status"})


@dataclass(frozen=True)
class DsnRecipient:
    """The per-recipient fields of one DSN block."""

    final_recipient: str | None
    original_recipient: str | None
    action: str | None
    status: str | None
    diagnostic: str | None

    @property
    def address(self) -> str | None:
        """The failed address: Final-Recipient, else Original-Recipient."""
        return self.final_recipient or self.original_recipient


def delivery_status_parts(msg: Message) -> list[Message]:
    """Every ``message/delivery-status`` part of the message."""
    return [part for part in mime.walk(msg) if mime.content_type(part) in _DSN_TYPES]


def is_delivery_report(msg: Message) -> bool:
    """True for ``multipart/report; report-type=delivery-status`` or a delivery-status part."""
    if mime.content_type(msg) == "multipart/report":
        if mime.param(msg, "report-type") in ("delivery-status", "global-delivery-status"):
            return True
    return bool(delivery_status_parts(msg))


def is_feedback_report(msg: Message) -> bool:
    """True for an ARF abuse/feedback report (RFC 5965)."""
    for part in mime.walk(msg):
        ctype = mime.content_type(part)
        if ctype == "message/feedback-report":
            return True
        if ctype == "multipart/report" and mime.param(part, "report-type") == "feedback-report":
            return True
    return False


def dsn_recipients(msg: Message) -> list[DsnRecipient]:
    """The recipients of every delivery-status part, in order."""
    found: list[DsnRecipient] = []
    for part in delivery_status_parts(msg):
        found.extend(recipients_from_blocks(_blocks_of(part)))
    return found


def recipients_from_blocks(blocks: Iterable[dict[str, str]]) -> list[DsnRecipient]:
    """Blocks naming a recipient turned into :class:`DsnRecipient` values."""
    return [_recipient(block) for block in blocks if _names_recipient(block)]


def _names_recipient(block: dict[str, str]) -> bool:
    return "final-recipient" in block or "original-recipient" in block


def _recipient(block: dict[str, str]) -> DsnRecipient:
    return DsnRecipient(
        final_recipient=address_of(block.get("final-recipient", "")),
        original_recipient=address_of(block.get("original-recipient", "")),
        action=_first_word(block.get("action", "")),
        status=status_of(block.get("status", "")),
        diagnostic=_strip_type(block.get("diagnostic-code", "")) or None,
    )


def _blocks_of(part: Message) -> list[dict[str, str]]:
    sub_messages = mime.children(part)
    if sub_messages:
        return [block for sub in sub_messages for block in _split_repeats(mime.header_items(sub))]
    return parse_field_blocks(mime.decoded_text(part))


def _split_repeats(items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Fields in order; a per-recipient field seen twice starts a new block, as some MTAs
    (AOL) run the recipient blocks together without the blank line between them. Other
    repeated fields keep their first value."""
    blocks: list[dict[str, str]] = [{}]
    for key, value in items:
        _add_field(blocks, key.lower(), value)
    return [block for block in blocks if block]


def _add_field(blocks: list[dict[str, str]], name: str, value: str) -> None:
    if name in blocks[-1] and name in _RECIPIENT_FIELDS:
        blocks.append({})
    blocks[-1].setdefault(name, value)


def parse_field_blocks(text: str) -> list[dict[str, str]]:
    """``Name: value`` blocks separated by blank lines (continuation lines folded); a
    repeated per-recipient field also starts a new block (see :func:`_split_repeats`)."""
    blocks: list[dict[str, str]] = [{}]
    last: str | None = None
    for line in text.splitlines()[:2000]:
        if not line.strip():
            blocks.append({})
            last = None
        elif line[:1] in " \t" and last is not None:
            blocks[-1][last] += " " + line.strip()
        elif match := _FIELD_RE.match(line):
            last = match.group(1).lower()
            _add_field(blocks, last, match.group(2).strip())
    return [block for block in blocks if block]


def address_of(value: str) -> str | None:
    """The address in a ``rfc822; user@example.com`` field, lower-cased."""
    found = _ADDRESS_RE.search(_strip_type(value))
    return found.group(0).lower().strip(".") if found else None


def status_of(value: str) -> str | None:
    """The first RFC 3463 status code (``5.1.1``) in ``value``."""
    found = STATUS_RE.search(value)
    return ".".join(found.groups()) if found else None


def _strip_type(value: str) -> str:
    """Drop an address/diagnostic type prefix (``rfc822;``, ``smtp;``)."""
    head, sep, rest = value.partition(";")
    if sep and re.fullmatch(r"\s*[A-Za-z0-9-]{1,20}\s*", head):
        return rest.strip()
    return value.strip()


def _first_word(value: str) -> str | None:
    words = value.lower().split()
    return words[0].strip(";,.") if words else None
