"""Ports: what the engine and the watcher need from a mail server, as Protocols.

The worker, the in-doubt resolver and the watcher are written against these; which
adapters stand behind them (aiosmtplib, imapclient) is decided by the composition root,
:mod:`outreach.services`. Blocking ports are called from a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from outreach.mailbox.account import Account

# -- sending ---------------------------------------------------------------------------


class DeliveryInDoubt(ConnectionError):
    """The connection failed or hung once DATA had begun: the server may have accepted
    the message, so it must not simply be sent again (the in-doubt check decides)."""


class SmtpSender(Protocol):
    """One SMTP session of one mailbox, reused across sends (async)."""

    async def send(self, sender: str, recipients: list[str], message: bytes) -> tuple[str, int]:
        """One transaction: MAIL, RCPT each, DATA.

        ``recipients[0]`` is the prospect; later ones (a Sent copy) may be refused
        without failing the send.

        Returns:
            The server's reply to DATA, and how many recipients it took.

        Raises:
            aiosmtplib.SMTPException: the server refused (the first recipient, the
                sender, the data, the login); the worker classifies it.
            DeliveryInDoubt: the connection dropped or timed out after DATA began.
            OSError: the connection failed or dropped before DATA (safe to retry).
        """
        ...

    async def login_check(self) -> None:
        """Connect and log in now (a paused mailbox retrying its credentials).

        Raises:
            aiosmtplib.SMTPException: the server still refuses the login.
            OSError: the server cannot be reached.
        """
        ...

    async def close(self) -> None:
        """Say goodbye and drop the connection; never raises."""
        ...


class SentFiler(Protocol):
    """Where our copies of sent mail go, and where a lost send is looked for (blocking)."""

    append_mode: str
    """``auto`` until detected; ``append`` (we APPEND); ``server``/``plus`` (the server files)."""
    sent_folder: str | None
    """The Sent folder used (None: not known yet, or the server has none)."""

    @property
    def client_appends(self) -> bool:
        """Returns: whether we put the copies in Sent ourselves."""
        ...

    @property
    def server_files_copies(self) -> bool:
        """Returns: whether the server files a copy as it accepts a message."""
        ...

    def copy_recipients(self) -> list[str]:
        """Returns: extra envelope recipients that make the server file a copy (blocking:
        may look the Sent folder up over IMAP first)."""
        ...

    def file_copy(self, message_id: str, data: bytes, when: datetime) -> bool:
        """Put our copy in Sent unless the server already did (may settle ``append_mode``).

        Returns:
            Whether the copy is in Sent.

        Raises:
            OSError, imaplib.IMAP4.error: IMAP failed; the copy is retried later.
        """
        ...

    def in_sent(self, message_id: str) -> bool:
        """Returns: whether the Sent folder holds this Message-ID.

        Raises:
            OSError, imaplib.IMAP4.error: IMAP cannot be reached (the send stays in doubt).
            LookupError: the server has no Sent folder (the send stays in doubt).
        """
        ...

    def bounce_mentions(self, message_id: str) -> bool:
        """Returns: whether a message in the INBOX (a bounce) mentions this Message-ID.

        Raises:
            OSError, imaplib.IMAP4.error: IMAP cannot be reached.
        """
        ...

    def close(self) -> None:
        """Log out; never raises."""
        ...


class SendAdapters(Protocol):
    """Opens the sending side of one mailbox (the engine's only way to reach a server)."""

    def smtp(self, account: Account, idle_reconnect: float) -> SmtpSender:
        """Returns: a lazily connected SMTP session, renewed after ``idle_reconnect`` s idle."""
        ...

    def sent_box(self, account: Account, sent_folder: str | None, append_mode: str) -> SentFiler:
        """Returns: a lazily connected Sent filer (``sent_folder`` None: found by SPECIAL-USE)."""
        ...


# -- reading ---------------------------------------------------------------------------

INBOX = "INBOX"


@dataclass(frozen=True)
class FolderState:
    """A folder's UIDVALIDITY and the UID its next message will get."""

    uidvalidity: int
    uidnext: int


@dataclass(frozen=True)
class HeaderBlock:
    """The fetched header fields of one message, with its size and arrival time."""

    uid: int
    raw: bytes
    size: int
    received_at: datetime | None


class FolderReader(Protocol):
    """A logged-in IMAP session of one mailbox, read-only toward the user's mail (blocking).

    Every method but :meth:`close` raises the adapter's error (``OSError``,
    ``imaplib.IMAP4.error`` …) when the session broke; the caller drops it and reconnects.
    """

    def examine(self, folder: str) -> FolderState:
        """Select ``folder`` read-only.

        Returns:
            Its UIDVALIDITY and UIDNEXT.
        """
        ...

    def status(self, folder: str) -> FolderState:
        """Returns: UIDVALIDITY and UIDNEXT of a folder that is not selected."""
        ...

    def uids_after(self, last_uid: int) -> list[int]:
        """Returns: the UIDs above ``last_uid`` in the selected folder, ascending."""
        ...

    def uids_since(self, day: date) -> list[int]:
        """Returns: the UIDs of messages that arrived on ``day`` or later, ascending."""
        ...

    def fetch_headers(self, uids: Sequence[int]) -> list[HeaderBlock]:
        """Returns: the watched header fields, size and arrival of each message, by UID."""
        ...

    def fetch_bodies(self, uids: Sequence[int], max_bytes: int) -> dict[int, bytes]:
        """Returns: whole messages (at most ``max_bytes`` each) by UID, none marked seen."""
        ...

    def junk_folder(self) -> str | None:
        """Returns: the spam folder's name, or None when there is none."""
        ...

    def can_idle(self) -> bool:
        """Returns: whether the server offers IDLE."""
        ...

    async def idle_once(
        self, seconds: float, on_idling: Callable[[], None], interrupt: asyncio.Event
    ) -> bool:
        """One IDLE round on the selected INBOX: at most ``seconds``, ended early when
        ``interrupt`` is set (someone wants the connection); ``on_idling`` is called once
        it is in IDLE. The session is usable for reads again when it returns.

        Returns:
            Whether the server reported news.

        Raises:
            OSError, imaplib.IMAP4.error: the connection broke (the caller reconnects).
        """
        ...

    def close(self) -> None:
        """Log out (or drop a broken session); never raises."""
        ...

    def drop(self) -> None:
        """Close the socket without a goodbye (a session left in IDLE); never raises."""
        ...


class InboxConnector(Protocol):
    """Opens the watcher's session of one mailbox (blocking: call it from a thread)."""

    def reader(self, account: Account) -> FolderReader:
        """Returns: a logged-in read-only session (the mailbox's only one: it fetches,
        and IDLEs on the INBOX in between).

        Raises:
            OSError, imaplib.IMAP4.error, outreach.errors.OutreachError: the server cannot
                be reached, refuses the login, or the secret cannot be read.
        """
        ...
