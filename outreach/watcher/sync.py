"""Incremental sync of one folder of one mailbox (blocking: run it in a thread).

By UID: only UIDs above the last one seen are fetched. The first look at a folder (and a
UIDVALIDITY reset) is bounded by date instead (SEARCH SINCE), never the whole mailbox.
Headers come first; only screened-in messages are downloaded, then classified, matched
and applied, one transaction per message. A message that fails is retried on the next
sync, and skipped after :data:`MAX_FAILURES` attempts so it never blocks the ones after it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from outreach.mailbox.headers import header_facts
from outreach.mailbox.ports import FolderReader, FolderState
from outreach.store import session_scope
from outreach.store.models import MailboxSyncState, Send, as_utc, utcnow
from outreach.watcher.inbound import Context, Fetched, Verdict, already_recorded, evaluate, record
from outreach.watcher.lookup import known_for
from outreach.watcher.screening import screen

log = logging.getLogger(__name__)

MAX_FAILURES = 3


@dataclass(frozen=True)
class Handled:
    """A message the sync stored and acted on."""

    verdict: Verdict
    inbound_id: int


def first_look_day(session: Session, context: Context, now: datetime) -> date:
    """Where the first look at a mailbox starts: its first campaign send (a day early, as
    SEARCH SINCE works on the server's dates), else ``first_look_back`` ago."""
    first = session.exec(
        select(func.min(Send.sent_at)).where(Send.mailbox_id == context.mailbox_id)
    ).one()
    start = as_utc(first) - timedelta(days=1) if first else now - context.config.first_look_back
    return start.date()


def read_candidates(
    reader: FolderReader,
    db: Engine,
    context: Context,
    folder: str,
    uidvalidity: int,
    uids: Sequence[int],
) -> Iterator[Fetched]:
    """Download the screened-in messages among ``uids``: headers of all, bodies of few."""
    blocks = reader.fetch_headers(uids)
    facts = {block.uid: header_facts(block.raw) for block in blocks}
    with Session(db) as session:
        known = known_for(session, list(facts.values()), context.our_addresses)
    reasons = {uid: screen(f, known, context.rules) for uid, f in facts.items()}
    wanted = [block for block in blocks if reasons[block.uid]]
    bodies = reader.fetch_bodies([b.uid for b in wanted], context.config.max_body_bytes)
    for block in wanted:
        raw = bodies.get(block.uid) or block.raw
        reason = reasons[block.uid] or ""
        yield Fetched(
            folder, uidvalidity, block.uid, raw, facts[block.uid], block.received_at, reason
        )


class FolderSync:
    """Where one folder was left, and how to catch up with it."""

    def __init__(self, db: Engine, mailbox_id: int, folder: str) -> None:
        self.db, self.mailbox_id, self.folder = db, mailbox_id, folder
        self.failures: Counter[int] = Counter()

    def last_seen(self) -> MailboxSyncState | None:
        """The saved position in this folder (None before the first look)."""
        with Session(self.db) as session:
            return session.get(MailboxSyncState, (self.mailbox_id, self.folder))

    def catch_up(self, reader: FolderReader, state: FolderState, context: Context) -> list[Handled]:
        """Process what is new in the selected folder.

        ``state`` comes from its EXAMINE (or STATUS); a ``uidnext`` of 0 means unknown.
        """
        saved = self.last_seen()
        uids, fresh = self._new_uids(reader, state, saved, context)
        handled: list[Handled] = []
        for start in range(0, len(uids), context.config.fetch_batch):
            batch = uids[start : start + context.config.fetch_batch]
            handled.extend(self._batch(reader, state.uidvalidity, batch, context))
            self._save(state.uidvalidity, self._safe_last(batch))
        newest = max([state.uidnext - 1, *uids[-1:]])
        if not self._pending(uids) and (fresh or saved is None or newest > saved.last_uid):
            self._save(state.uidvalidity, newest)
        return handled

    def _new_uids(
        self,
        reader: FolderReader,
        state: FolderState,
        saved: MailboxSyncState | None,
        context: Context,
    ) -> tuple[list[int], bool]:
        if saved is not None and saved.uidvalidity == state.uidvalidity:
            return reader.uids_after(saved.last_uid), False
        if saved is None:
            with Session(self.db) as session:
                day = first_look_day(session, context, utcnow())
        else:  # UIDVALIDITY changed: UIDs mean nothing any more, dates still do
            log.warning("%s: UIDVALIDITY changed, re-scanning by date", self.folder)
            day = (as_utc(saved.updated_at) - context.config.rescan_margin).date()
        return reader.uids_since(day), True

    def _batch(
        self, reader: FolderReader, uidvalidity: int, uids: list[int], context: Context
    ) -> list[Handled]:
        handled: list[Handled] = []
        for fetched in read_candidates(reader, self.db, context, self.folder, uidvalidity, uids):
            try:
                done = self._process(fetched, context)
            except Exception:  # noqa: BLE001 - one bad message never stops the watcher
                log.exception("%s UID %s could not be processed", self.folder, fetched.uid)
                self.failures[fetched.uid] += 1
                continue
            self.failures.pop(fetched.uid, None)
            if done is not None:
                handled.append(done)
        return handled

    def _process(self, fetched: Fetched, context: Context) -> Handled | None:
        with session_scope(self.db) as session:
            if already_recorded(session, self.mailbox_id, fetched):
                return None
            now = utcnow()
            verdict = evaluate(session, fetched, context, now)
            inbound_id = record(session, verdict, self.mailbox_id, now)
        return None if inbound_id is None else Handled(verdict, inbound_id)

    def _pending(self, uids: Sequence[int]) -> bool:
        return any(0 < self.failures[uid] < MAX_FAILURES for uid in uids)

    def _safe_last(self, uids: Sequence[int]) -> int:
        """The highest UID below the first message still to retry."""
        retry = [uid for uid in uids if 0 < self.failures[uid] < MAX_FAILURES]
        return min(retry) - 1 if retry else max(uids)

    def _save(self, uidvalidity: int, last_uid: int) -> None:
        with session_scope(self.db) as session:
            key = (self.mailbox_id, self.folder)
            row = session.get(MailboxSyncState, key) or MailboxSyncState(
                mailbox_id=key[0], folder=key[1], uidvalidity=uidvalidity, last_uid=last_uid
            )
            if row.uidvalidity != uidvalidity:
                row.uidvalidity, row.last_uid = uidvalidity, last_uid
            row.last_uid = max(row.last_uid, last_uid)
            row.updated_at = utcnow()
            session.add(row)
