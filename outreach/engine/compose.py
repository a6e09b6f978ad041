"""Building the MIME message of one send (pure; stdlib ``email`` with ``policy.SMTP``).

Plain text by default (optional HTML alternative), a real ``From`` with display name, the
Message-ID fixed before the SMTP transaction, and for follow-ups the thread headers every
client understands: ``Re:`` subject, ``In-Reply-To``/``References`` and Outlook's
``Thread-Topic``/``Thread-Index``. ``List-Unsubscribe`` is a mailto back to the rep so an
opt-out arrives as mail the watcher catches.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from outreach.sequences.render import RenderedMessage

REPLY_PREFIX = re.compile(r"^\s*(re|aw|antw|sv|vs)\s*:\s*", re.IGNORECASE)
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Thread:
    """The thread a follow-up belongs to (None fields for a first message)."""

    subject: str | None = None
    root_message_id: str | None = None
    references: tuple[str, ...] = ()
    started_at: datetime | None = None


@dataclass(frozen=True)
class Envelope:
    """Who writes to whom, and the identifiers fixed before sending."""

    from_addr: str
    from_name: str | None
    to_addr: str
    to_name: str | None
    message_id: str
    date: datetime


def new_message_id(sender: str) -> str:
    """A Message-ID on the sender's own domain."""
    return make_msgid(domain=sender.rpartition("@")[2])


def thread_subject(subject: str) -> str:
    """The subject without any reply prefixes (``Re: AW: x`` → ``x``)."""
    while REPLY_PREFIX.match(subject):
        subject = REPLY_PREFIX.sub("", subject, count=1)
    return subject


def compose(envelope: Envelope, rendered: RenderedMessage, thread: Thread) -> EmailMessage:
    """The message as it will be sent; an empty ``thread`` makes it a thread's first."""
    starts_thread = thread.root_message_id is None
    if starts_thread:
        subject = rendered.subject or ""
    else:
        subject = f"Re: {thread_subject(thread.subject or rendered.subject or '')}"
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((envelope.from_name or "", envelope.from_addr))
    msg["To"] = formataddr((envelope.to_name or "", envelope.to_addr))
    msg["Subject"] = subject
    msg["Date"] = format_datetime(envelope.date.astimezone(UTC))
    msg["Message-ID"] = envelope.message_id
    if thread.root_message_id is not None:
        msg["In-Reply-To"] = thread.root_message_id
        msg["References"] = " ".join(thread.references or (thread.root_message_id,))
    msg["Thread-Topic"] = thread_subject(subject)
    msg["Thread-Index"] = _thread_index(envelope, thread)
    msg["List-Unsubscribe"] = f"<mailto:{envelope.from_addr}?subject=unsubscribe>"
    msg.set_content(rendered.body, charset="utf-8", cte=_cte(rendered.body))
    if rendered.html is not None:
        msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


def _thread_index(envelope: Envelope, thread: Thread) -> str:
    if thread.root_message_id is None:
        return thread_index(envelope.message_id, envelope.date, None)
    return thread_index(thread.root_message_id, thread.started_at or envelope.date, envelope.date)


def _cte(text: str) -> str:
    return (
        "7bit"
        if text.isascii() and max(map(len, text.splitlines()), default=0) < 900
        else ("quoted-printable")
    )


def thread_index(root_id: str, started: datetime, reply_at: datetime | None) -> str:
    """Outlook's Thread-Index: 22 bytes for the thread head (time + GUID), +5 per reply."""
    ticks = int((started - FILETIME_EPOCH).total_seconds() * 10_000_000)
    head = ticks.to_bytes(8, "big")[:6] + hashlib.md5(root_id.encode()).digest()  # noqa: S324
    if reply_at is None:
        return base64.b64encode(head).decode()
    delta = int((reply_at - started).total_seconds() * 10_000_000) >> 18
    child = (min(max(delta, 0), 2**31 - 1) << 8).to_bytes(5, "big")  # clock steps back: 0
    return base64.b64encode(head + child).decode()


def as_bytes(msg: EmailMessage) -> bytes:
    """The wire form (CRLF line ends, folded headers)."""
    return msg.as_bytes(policy=policy.SMTP)
