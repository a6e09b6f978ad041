"""A mailbox's Sent copies (and the engine's own trouble with it) as a health warning
(``mailbox list``, ``status``, dashboard).

Sending goes on when our copy cannot be filed in Sent, but the rep relies on those copies
(and the in-doubt check after a crash looks there), so the failure is shown where the
mailbox is: how many sent messages wait unfiled, the folder tried and the server's words
(the latest ``sent_copy_failed`` event), and sends left in doubt. An error the engine meets
at every step of a mailbox (``engine_error``, until ``engine_recovered``) is shown there too:
such a mailbox sends nothing, and must not look healthy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from outreach.i18n import _, ngettext
from outreach.states import EventKind, SendState
from outreach.store.reading import Reader, json_value, one_of, time

CLIENT_APPENDS = ("append", "auto")
"""Sent-copy modes in which we APPEND the copies (the others: the server files them)."""


@dataclass(frozen=True)
class SentCopies:
    """One mailbox's Sent-copy health."""

    unfiled: int
    """Sent messages whose copy is not in Sent (while we are the ones filing them)."""
    in_doubt: int
    """Sends a crash left in doubt that are not settled yet."""
    folder: str | None = None
    """The folder the last failed copy went to (None: no Sent folder found)."""
    error: str | None = None
    """What the server said to the last failed copy."""
    failed_at: datetime | None = None
    plus_unusable: str | None = None
    """In ``plus`` mode: the Sent folder whose name cannot be part of an address (copies
    are APPENDed instead), else None."""
    engine_error: str | None = None
    """The error the engine meets with this mailbox (it tries again), until a step goes
    through; None when all is well."""
    engine_error_at: datetime | None = None

    @property
    def warning(self) -> str | None:
        """The health warning in words, None when all is well."""
        parts = []
        if self.unfiled:
            where = (_("APPEND to {folder}").format(folder=repr(self.folder)) if self.folder
                     else _("no Sent folder"))
            said = f" — {where}: {self.error}" if self.error else ""
            parts.append(_("{count} sent not filed in Sent").format(count=self.unfiled) + said)
        if self.in_doubt:
            parts.append(ngettext("{count} send in doubt", "{count} sends in doubt",
                                  self.in_doubt).format(count=self.in_doubt))
        if self.engine_error:
            parts.insert(0, _("the engine cannot send from this mailbox (it tries again): "
                              "{error}").format(error=self.engine_error))
        if self.plus_unusable:
            parts.append(_("plus mode cannot address the Sent folder {folder}: copies are "
                           "APPENDed instead (choose --sent-copy append or server)").format(
                folder=repr(self.plus_unusable)))
        return "; ".join(parts) or None

    def as_dict(self) -> dict[str, Any]:
        return {"unfiled": self.unfiled, "in_doubt": self.in_doubt, "folder": self.folder,
                "error": self.error, "failed_at": self.failed_at,
                "plus_unusable": self.plus_unusable, "engine_error": self.engine_error,
                "engine_error_at": self.engine_error_at}  # fmt: skip


class CopyMailbox(Protocol):
    """What the Sent-copy health needs of a mailbox row (stored, or a quick record)."""

    @property
    def id(self) -> int | None: ...
    @property
    def email(self) -> str: ...
    @property
    def append_to_sent(self) -> str: ...
    @property
    def sent_folder(self) -> str | None: ...


def sent_copies(reader: Reader, mailboxes: Iterable[CopyMailbox]) -> dict[int, SentCopies]:
    """Sent-copy health of each mailbox, by id (three grouped queries)."""
    boxes = [m for m in mailboxes if m.id is not None]
    appending = {m.id for m in boxes if m.append_to_sent in CLIENT_APPENDS}
    unfiled = _counts(reader, SendState.SENT, unfiled_only=True)
    in_doubt = _counts(reader, SendState.SENDING)
    failures = _last_failures(reader)
    troubles = _engine_troubles(reader)
    result: dict[int, SentCopies] = {}
    for mailbox in boxes:
        mid = mailbox.id or 0
        event = failures.get(mid) if mid in appending and unfiled.get(mid) else None
        at, data = event if event else (None, {})
        # Unfiled copies count once the engine has seen a copy fail (a database from before
        # these events, or rows a test wrote, show no false alarm).
        result[mid] = SentCopies(
            unfiled.get(mid, 0) if event else 0, in_doubt.get(mid, 0), data.get("folder"),
            data.get("error"), at, _plus_unusable(mailbox), *troubles.get(mid, (None, None)),
        )  # fmt: skip
    return result


def _plus_unusable(mailbox: CopyMailbox) -> str | None:
    """The Sent folder a ``plus`` mailbox cannot address (as the engine names it)."""
    if mailbox.append_to_sent != "plus":
        return None
    from outreach.addresses import plus_address  # email_validator: only for plus mailboxes

    folder = mailbox.sent_folder or "Sent"
    return folder if plus_address(mailbox.email, folder) is None else None


def _counts(reader: Reader, state: SendState, unfiled_only: bool = False) -> dict[int, int]:
    """Sends in ``state`` per mailbox (``unfiled_only``: whose copy is not in Sent)."""
    unfiled = " AND NOT appended_to_sent" if unfiled_only else ""
    rows = reader.rows(
        f"SELECT mailbox_id, COUNT(*) FROM send WHERE state = :state{unfiled}"  # noqa: S608
        " GROUP BY mailbox_id",
        {"state": str(state)},
    )
    return {int(mid): int(n) for mid, n in rows}


def _last_failures(reader: Reader) -> dict[int, tuple[datetime | None, dict[str, Any]]]:
    """Each mailbox's latest failed Sent copy: when, and the folder and the server's words."""
    return {mid: (at, data) for mid, (_kind, at, data)
            in _latest(reader, EventKind.SENT_COPY_FAILED).items()}  # fmt: skip


def _engine_troubles(reader: Reader) -> dict[int, tuple[str, datetime | None]]:
    """Each mailbox whose latest engine note is an error: the error, and since when."""
    latest = _latest(reader, EventKind.ENGINE_ERROR, EventKind.ENGINE_RECOVERED)
    return {mid: (str(data.get("error") or kind), at)
            for mid, (kind, at, data) in latest.items()
            if kind == EventKind.ENGINE_ERROR}  # fmt: skip


def _latest(
    reader: Reader, *kinds: EventKind
) -> dict[int, tuple[str, datetime | None, dict[str, Any]]]:
    """Each mailbox's latest event of ``kinds``: its kind, when, and its data."""
    listed, params = one_of("kind", kinds)
    rows = reader.rows(
        "SELECT mailbox_id, kind, at, data FROM event WHERE id IN (SELECT MAX(id) FROM event"
        f" WHERE kind IN {listed} AND mailbox_id IS NOT NULL GROUP BY mailbox_id)",  # noqa: S608
        params,
    )
    return {int(mid): (kind, time(at), json_value(data) or {}) for mid, kind, at, data in rows}
