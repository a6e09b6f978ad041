"""IMAP reads of one folder, read-only toward the user's mail (imapclient, blocking).

:class:`ImapConnector` opens an :class:`ImapSession` per connection: the imapclient adapter
behind the watcher's ports (:class:`~outreach.mailbox.ports.FolderReader`,
:class:`~outreach.mailbox.ports.Doorbell`).

Folders are opened with EXAMINE (``readonly=True``) and bodies are fetched with
``BODY.PEEK``: nothing is ever flagged seen, moved, deleted or expunged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from imapclient import IMAPClient

from outreach import secrets
from outreach.mailbox import idle
from outreach.mailbox.account import Account
from outreach.mailbox.connect import open_imap, special_use_folder
from outreach.mailbox.headers import HEADER_FIELDS
from outreach.mailbox.ports import INBOX, FolderState, HeaderBlock

HEADERS_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
JUNK_NAMES = ("Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail", "Spamverdacht")


def examine(client: IMAPClient, folder: str) -> FolderState:
    """Open ``folder`` read-only (EXAMINE)."""
    info = client.select_folder(folder, readonly=True)
    return FolderState(int(info[b"UIDVALIDITY"]), int(info.get(b"UIDNEXT", 0)))


def status(client: IMAPClient, folder: str) -> FolderState:
    """UIDVALIDITY and UIDNEXT of a folder that is not selected (STATUS: one round trip)."""
    info = client.folder_status(folder, [b"UIDVALIDITY", b"UIDNEXT"])
    return FolderState(int(info[b"UIDVALIDITY"]), int(info[b"UIDNEXT"]))


def uids_after(client: IMAPClient, last_uid: int) -> list[int]:
    """UIDs above ``last_uid`` in the selected folder.

    A NOOP first: servers (Dovecot) show a selected session new mail only at such sync
    points, not on SEARCH. ``UID n:*`` always matches the highest message, even below n,
    so the answer is filtered.
    """
    client.noop()
    found = client.search(["UID", f"{last_uid + 1}:*"])
    return sorted(uid for uid in found if uid > last_uid)


def uids_since(client: IMAPClient, day: date) -> list[int]:
    """UIDs of messages that arrived on ``day`` or later (IMAP SEARCH SINCE)."""
    return sorted(client.search(["SINCE", day]))


def fetch_headers(client: IMAPClient, uids: Sequence[int]) -> list[HeaderBlock]:
    """The watched header fields, size and INTERNALDATE of each message, in UID order."""
    if not uids:
        return []
    data = client.fetch(list(uids), [HEADERS_ITEM, "RFC822.SIZE", "INTERNALDATE"])
    return [_header_block(uid, data[uid]) for uid in sorted(data)]


def _header_block(uid: int, item: dict[bytes, object]) -> HeaderBlock:
    raw = next((value for key, value in item.items() if key.startswith(b"BODY[HEADER")), b"")
    size = item.get(b"RFC822.SIZE", 0)
    received = item.get(b"INTERNALDATE")
    return HeaderBlock(
        uid,
        raw if isinstance(raw, bytes) else b"",
        int(size) if isinstance(size, int) else 0,
        _utc(received) if isinstance(received, datetime) else None,
    )


def _utc(value: datetime) -> datetime:
    """INTERNALDATE in UTC (a naive one is taken as UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fetch_bodies(client: IMAPClient, uids: Sequence[int], max_bytes: int) -> dict[int, bytes]:
    """Whole messages (at most ``max_bytes`` each), without setting ``\\Seen``."""
    if not uids:
        return {}
    data = client.fetch(list(uids), [f"BODY.PEEK[]<0.{max_bytes}>"])
    return {uid: _body(item) for uid, item in data.items()}


def _body(item: dict[bytes, object]) -> bytes:
    for key, value in item.items():
        if key.startswith(b"BODY[]") and isinstance(value, bytes):
            return value
    return b""


def find_junk_folder(client: IMAPClient) -> str | None:
    """The ``\\Junk`` folder (SPECIAL-USE), else one with a usual spam-folder name."""
    found = special_use_folder(client, b"\\Junk")
    if found:
        return found
    names = {str(name).lower(): str(name) for _flags, _delim, name in client.list_folders()}
    return next((names[n.lower()] for n in JUNK_NAMES if n.lower() in names), None)


class ImapSession:
    """One imapclient connection as a :class:`~outreach.mailbox.ports.FolderReader` and a
    :class:`~outreach.mailbox.ports.Doorbell`."""

    def __init__(self, client: IMAPClient) -> None:
        self.client = client

    def examine(self, folder: str) -> FolderState:
        return examine(self.client, folder)

    def status(self, folder: str) -> FolderState:
        return status(self.client, folder)

    def uids_after(self, last_uid: int) -> list[int]:
        return uids_after(self.client, last_uid)

    def uids_since(self, day: date) -> list[int]:
        return uids_since(self.client, day)

    def fetch_headers(self, uids: Sequence[int]) -> list[HeaderBlock]:
        return fetch_headers(self.client, uids)

    def fetch_bodies(self, uids: Sequence[int], max_bytes: int) -> dict[int, bytes]:
        return fetch_bodies(self.client, uids, max_bytes)

    def junk_folder(self) -> str | None:
        return find_junk_folder(self.client)

    def can_idle(self) -> bool:
        return idle.idle_supported(self.client)

    async def idle_once(self, seconds: float, on_idling: Callable[[], None]) -> bool:
        return await idle.idle_once(self.client, seconds, on_idling)

    def close(self) -> None:
        idle.close_quietly(self.client)

    def drop(self) -> None:
        idle.drop(self.client)


class ImapConnector:
    """Logs in to a mailbox with its stored secret (the watcher's :class:`InboxConnector`)."""

    def reader(self, account: Account) -> ImapSession:
        client = open_imap(account, secrets.fetch_secret(account.secret))
        client.normalise_times = False  # INTERNALDATEs come back timezone-aware
        return ImapSession(client)

    def doorbell(self, account: Account) -> ImapSession:
        session = self.reader(account)
        try:
            session.examine(INBOX)
        except BaseException:
            session.close()
            raise
        return session
