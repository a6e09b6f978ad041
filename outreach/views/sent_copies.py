"""A mailbox's Sent copies as a health warning (``mailbox list``, ``status``, dashboard).

Sending goes on when our copy cannot be filed in Sent, but the rep relies on those copies
(and the in-doubt check after a crash looks there), so the failure is shown where the
mailbox is: how many sent messages wait unfiled, the folder tried and the server's words
(the latest ``sent_copy_failed`` event), and sends left in doubt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from outreach.i18n import _, ngettext
from outreach.states import EventKind, SendState
from outreach.store.models import Event, Mailbox, Send, as_utc

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
        return "; ".join(parts) or None

    def as_dict(self) -> dict[str, Any]:
        return {"unfiled": self.unfiled, "in_doubt": self.in_doubt, "folder": self.folder,
                "error": self.error, "failed_at": self.failed_at}  # fmt: skip


def sent_copies(session: Session, mailboxes: Iterable[Mailbox]) -> dict[int, SentCopies]:
    """Sent-copy health of each mailbox, by id (a few grouped queries)."""
    boxes = [m for m in mailboxes if m.id is not None]
    appending = [m.id for m in boxes if m.append_to_sent in CLIENT_APPENDS]
    unfiled = _counts(session, appending, SendState.SENT, unfiled_only=True)
    in_doubt = _counts(session, [m.id for m in boxes], SendState.SENDING)
    failures = _last_failures(session, [mid for mid in appending if unfiled.get(mid or 0)])
    result: dict[int, SentCopies] = {}
    for mailbox in boxes:
        mid = mailbox.id or 0
        event = failures.get(mid)
        data = event.data if event else {}
        # Unfiled copies count once the engine has seen a copy fail (a database from before
        # these events, or rows a test wrote, show no false alarm).
        result[mid] = SentCopies(
            unfiled.get(mid, 0) if event else 0, in_doubt.get(mid, 0), data.get("folder"),
            data.get("error"), as_utc(event.at) if event else None,
        )  # fmt: skip
    return result


def _counts(
    session: Session, mailbox_ids: list[int | None], state: SendState, unfiled_only: bool = False
) -> dict[int, int]:
    """Sends in ``state`` per mailbox (``unfiled_only``: whose copy is not in Sent)."""
    where = [col(Send.mailbox_id).in_(mailbox_ids), col(Send.state) == state]
    if unfiled_only:
        where.append(col(Send.appended_to_sent).is_(False))
    query = select(col(Send.mailbox_id), func.count()).where(*where).group_by(col(Send.mailbox_id))
    return {int(mid): int(n) for mid, n in session.execute(query).all()}


def _last_failures(session: Session, mailbox_ids: list[int | None]) -> dict[int, Event]:
    if not mailbox_ids:
        return {}
    query = (
        select(Event)
        .where(col(Event.kind) == EventKind.SENT_COPY_FAILED)
        .where(col(Event.mailbox_id).in_(mailbox_ids))
        .order_by(col(Event.id))
    )
    return {int(event.mailbox_id or 0): event for event in session.execute(query).scalars()}
