"""The engine's IMAP side: APPEND copies to Sent, and find a Message-ID (in-doubt sends).

Synchronous imapclient calls, run by the engine in a worker thread. Read-only toward the
user's mail: it only appends our own copies and searches.
"""

from __future__ import annotations

import imaplib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from outreach.addresses import plus_address
from outreach.mailbox.account import Account
from outreach.mailbox.connect import find_sent_folder, open_imap
from outreach.mailbox.folders import SENT_NAMES, not_found

log = logging.getLogger(__name__)

T = TypeVar("T")
IMAP_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError)


class SentFolderMissing(LookupError):
    """The server has no Sent folder we can find: copies cannot be filed, and a send in
    doubt cannot be looked up there."""

    def __init__(self) -> None:
        super().__init__(not_found("\\Sent", SENT_NAMES))


class SentBox:
    """A lazily connected IMAP session for one mailbox; reconnects after an error."""

    def __init__(
        self,
        account: Account,
        get_secret: Callable[[], str],
        sent_folder: str | None,
        append_mode: str = "auto",
    ) -> None:
        self.account = account
        self._get_secret = get_secret
        self.sent_folder = sent_folder
        self.append_mode = append_mode
        self._client: IMAPClient | None = None
        self._lock = threading.Lock()
        self._warned_plus = False

    def append(self, message: bytes, when: datetime) -> None:
        """APPEND our copy to Sent; raises SentFolderMissing or the server's refusal."""
        with self._lock:
            client = self._connected()
            folder = self._folder()
            self._call(lambda: client.append(folder, message, (rb"\Seen",), when))

    @property
    def client_appends(self) -> bool:
        """Whether we APPEND copies ourselves (``append``, ``auto`` until detected, and
        ``plus`` when the Sent folder's name cannot stand in an address)."""
        return self.append_mode in ("auto", "append") or (
            self.append_mode == "plus" and self.plus_recipient() is None)

    @property
    def server_files_copies(self) -> bool:
        """Whether the server puts a copy in Sent as it accepts the message."""
        return self.append_mode == "server" or (
            self.append_mode == "plus" and self.plus_recipient() is not None)

    def plus_recipient(self) -> str | None:
        """``user+Sent@domain`` for the Sent folder; None when its name cannot be part of
        an address (``Sent Items``): then copies are APPENDed instead."""
        folder = self.sent_folder or "Sent"
        address = plus_address(self.account.email, folder)
        if address is None and not self._warned_plus:
            self._warned_plus = True
            log.warning("%s: the Sent folder %r cannot be part of an address (plus mode): "
                        "copies are APPENDed instead", self.account.email, folder)
        return address

    def copy_recipients(self) -> list[str]:
        """Extra envelope recipients: ``user+Sent@domain`` in ``plus`` mode.

        Blocking: while the Sent folder is not known yet (no ``mailbox test`` since the
        mailbox was added), it is looked up over IMAP first. A guessed "Sent" on a server
        whose Sent is "Sent Items" puts every copy in the rep's INBOX (Dovecot files mail
        for a folder that does not exist there).
        """
        if self.append_mode != "plus":
            return []
        if self.sent_folder is None:
            self._look_up_folder()
        plus = self.plus_recipient()
        return [plus] if plus else []

    def _look_up_folder(self) -> None:
        """Connect (which finds the Sent folder); a failure only leaves the guess."""
        try:
            with self._lock:
                self._connected()
        except Exception as exc:  # noqa: BLE001 - sending goes on; the guess "Sent" is used
            log.warning("%s: could not look up the Sent folder (%s); plus copies go to "
                        "%r", self.account.email, exc, "Sent")

    def file_copy(self, message_id: str, data: bytes, when: datetime) -> bool:
        """Put our copy in Sent unless the server files sent mail there itself.

        In ``auto`` mode the first copy is looked for first: a server that already
        filed it (Gmail, Microsoft 365) switches the mode to ``server``, any other to
        ``append``.
        """
        if self.append_mode == "auto":
            if self.in_sent(message_id):
                self.append_mode = "server"
                return True
            self.append_mode = "append"
        self.append(data, when)
        return True

    def in_sent(self, message_id: str) -> bool:
        """Whether the Sent folder holds a message with this Message-ID."""
        with self._lock:
            client = self._connected()
            return self._search(client, self._folder(), ["HEADER", "Message-ID", message_id])

    def bounce_mentions(self, message_id: str, folders: tuple[str, ...] = ("INBOX",)) -> bool:
        """Whether a message in ``folders`` mentions the Message-ID (a bounce carrying it)."""
        with self._lock:
            client = self._connected()
            return any(self._search(client, f, ["TEXT", message_id]) for f in folders)

    def _search(self, client: IMAPClient, folder: str, criteria: list[str]) -> bool:
        def run() -> bool:
            client.select_folder(folder, readonly=True)
            return bool(client.search(criteria))

        return self._call(run)

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except IMAP_ERRORS:
            self._drop()
            raise

    def _folder(self) -> str:
        if self.sent_folder is None:
            raise SentFolderMissing()
        return self.sent_folder

    def _connected(self) -> IMAPClient:
        if self._client is None:
            self._client = open_imap(self.account, self._get_secret())
            if self.sent_folder is None:  # never a guessed name the server does not have
                self.sent_folder = self._call(lambda: find_sent_folder(self._client_now()))
        return self._client

    def _client_now(self) -> IMAPClient:
        assert self._client is not None
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.shutdown()
            except IMAP_ERRORS:
                pass

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except IMAP_ERRORS:
                client.shutdown()
