"""Building the MIME message of one send (pure; stdlib ``email.mime``, CRLF on the wire).

Plain text by default (optional HTML alternative), a real ``From`` with display name, the
Message-ID fixed before the SMTP transaction, and for follow-ups the thread headers every
client understands: ``Re:`` subject, ``In-Reply-To``/``References`` and Outlook's
``Thread-Topic``/``Thread-Index``. ``List-Unsubscribe`` (only when the sequence asks for
it: it makes one-to-one mail look like list mail, which RFC 3834 auto-responders do not
answer) is a mailto back to the rep so an opt-out arrives as mail the watcher catches.

The message is built with the ``email.mime`` classes (the compat32 policy) rather than
``EmailMessage``: the modern policy parses every header it is given back into a header
object, which made composing the most expensive step of a send (2 ms here against 0.5 ms).
Header values reach this module already checked for CR/LF (:mod:`outreach.sequences`);
non-ASCII display names and subjects are RFC 2047-encoded by ``formataddr``/``Header``;
an internationalized domain is written as IDNA A-labels, a non-ASCII local part as raw
UTF-8 (RFC 6532: only for a server that offers SMTPUTF8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from typing import Any, cast

from outreach.addresses import check_header_text, needs_smtputf8, wire_address
from outreach.mailbox.thread import Thread, thread_index, thread_subject
from outreach.sequences.render import RenderedMessage


class _Wire(Compat32):
    """compat32 on the wire, with a fast path for the usual header: short, one-line ASCII.

    compat32 runs every header through :class:`~email.header.Header` to fold it; a value
    that needs no folding comes out of it unchanged, so it is written as it is
    (``tests/test_compose.py`` holds the two to the same bytes).
    """

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            type(value) is str
            and value.isascii()
            and len(name) + len(value) + 2 <= (self.max_line_length or 0)
            and not _NEEDS_HEADER.search(value)
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]

    def fold_binary(self, name: str, value: str) -> bytes:
        if isinstance(value, Utf8Address):  # SMTPUTF8 (RFC 6532): the address as UTF-8
            return f"{name}: {value}{self.linesep}".encode()
        return super().fold_binary(name, value)


class Utf8Address(str):
    """An address header whose address has a non-ASCII local part: written as raw UTF-8
    (RFC 6532), which only a server offering SMTPUTF8 is given (the engine checks)."""


_NEEDS_HEADER = re.compile(r"[^ -~]|  |^ | $|^$")
"""What :class:`~email.header.Header` might rewrite: anything but printable ASCII (control
characters count as white space to ``str.split``), runs of spaces and spaces at either end
(it splits on white space)."""
WIRE = _Wire(linesep="\r\n", mangle_from_=False)
MAX_7BIT_LINE = 900  # RFC 5322 allows 998; leave room for a relay's additions


@dataclass(frozen=True)
class Envelope:
    """Who writes to whom, and the identifiers fixed before sending."""

    from_addr: str
    from_name: str | None
    to_addr: str
    to_name: str | None
    message_id: str
    date: datetime


def outgoing_subject(rendered: RenderedMessage, thread: Thread) -> str:
    """The step's own subject for a thread's first message, else ``Re:`` the thread's."""
    if thread.root_message_id is None:
        return rendered.subject or ""
    return f"Re: {thread_subject(thread.subject or rendered.subject or '')}"


def compose(
    envelope: Envelope,
    rendered: RenderedMessage,
    thread: Thread,
    *,
    unsubscribe_header: bool = False,
) -> Message:
    """The message as it will be sent; an empty ``thread`` makes it a thread's first."""
    subject = outgoing_subject(rendered, thread)
    msg = _body(rendered)
    msg["From"] = _address_header(envelope.from_name, envelope.from_addr, "sender name")
    msg["To"] = _address_header(envelope.to_name, envelope.to_addr, "prospect name")
    msg["Subject"] = _text_header("Subject", subject)
    msg["Date"] = format_datetime(envelope.date.astimezone(UTC))
    msg["Message-ID"] = envelope.message_id
    if thread.root_message_id is not None:
        msg["In-Reply-To"] = thread.root_message_id
        msg["References"] = " ".join(thread.references or (thread.root_message_id,))
    msg["Thread-Topic"] = _text_header("Thread-Topic", thread_subject(subject))
    msg["Thread-Index"] = _thread_index(envelope, thread)
    if unsubscribe_header:
        mailto = f"<mailto:{wire_address(envelope.from_addr)}?subject=unsubscribe>"
        msg["List-Unsubscribe"] = mailto
    return msg


def _address_header(name: str | None, address: str, what: str) -> str:
    """``Name <address>``: the domain as IDNA A-labels, a non-ASCII name RFC 2047-encoded,
    a non-ASCII local part as raw UTF-8; a name with a line break is refused (ConfigError)."""
    name = check_header_text(name or "", what)
    wire = wire_address(address)
    if not needs_smtputf8(address):
        return formataddr((name, wire), "utf-8")
    placeholder = "x@x"  # formataddr takes ASCII addresses only: encode the name with one
    named = formataddr((name, placeholder), "utf-8").removesuffix(f"<{placeholder}>")
    return Utf8Address(f"{named}<{wire}>" if name else wire)


def _body(rendered: RenderedMessage) -> Message:
    """The text part, or text and HTML as ``multipart/alternative``."""
    text = _text_part(rendered.body, "plain")
    if rendered.html is None:
        return text
    parts = [text, _text_part(rendered.html, "html")]
    for part in parts:
        del part["MIME-Version"]  # belongs on the outer message only
    return MIMEMultipart("alternative", _subparts=parts)


def _text_part(text: str, subtype: str) -> MIMEText:
    """7bit when the text allows it, else UTF-8 quoted-printable (readable, line-safe)."""
    if text.isascii() and max(map(len, text.splitlines()), default=0) < MAX_7BIT_LINE:
        return MIMEText(text, subtype, "us-ascii")
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return MIMEText(text, subtype, charset)  # type: ignore[arg-type]  # a Charset is accepted


def _text_header(name: str, value: str) -> str:
    """ASCII stays as it is; anything else becomes RFC 2047 encoded words, folded.

    (A compat32 message takes a ``Header`` object as a value; typeshed only says ``str``.)
    """
    return value if value.isascii() else cast(str, Header(value, "utf-8", header_name=name))


def _thread_index(envelope: Envelope, thread: Thread) -> str:
    if thread.root_message_id is None:
        return thread_index(envelope.message_id, envelope.date, None)
    return thread_index(thread.root_message_id, thread.started_at or envelope.date, envelope.date)


def as_bytes(msg: Message) -> bytes:
    """The wire form (CRLF line ends, folded headers, no ``>From`` mangling)."""
    return msg.as_bytes(policy=WIRE)
