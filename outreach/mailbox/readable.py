"""A message as its reader sees it: decoded headers and the text body (pure).

The wire bytes are parsed back the way a mail client does (``email.policy.default``), so
what a preview shows is what the bytes say: RFC 2047 names and subjects decoded,
quoted-printable and base64 bodies decoded, CRLF as plain line ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

SHOWN_HEADERS = ("From", "To", "Subject", "Date")


@dataclass(frozen=True)
class ReadableMessage:
    """What the recipient's mail client shows."""

    headers: tuple[tuple[str, str], ...]
    """(name, decoded value) of From, To, Subject and Date, those present, in that order."""
    text: str
    """The plain-text body, decoded ("" if there is none)."""
    has_html: bool
    """Whether an HTML version is there too (clients that show HTML show that one)."""


def readable(raw: bytes) -> ReadableMessage:
    """Decode one message's wire bytes into what a reader sees."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
    headers = tuple(
        (name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None
    )
    return ReadableMessage(headers, _text_of(message), _has_html(message))


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if not isinstance(body, EmailMessage):
        return ""
    return str(body.get_content()).replace("\r\n", "\n")


def _has_html(message: EmailMessage) -> bool:
    return any(part.get_content_type() == "text/html" for part in message.walk())
