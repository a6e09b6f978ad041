"""``outreach inbox scan``: (re)classify a mailbox's recent mail, show what it would do.

A dry run by default: the database is only read. With ``apply`` the messages not yet
recorded are recorded and their actions applied, exactly as the watcher would. The
watcher's own position (MailboxSyncState) is never moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.accounts import account_of, get_mailbox
from outreach.mailbox.classify import Rules
from outreach.mailbox.ports import INBOX, FolderReader, InboxConnector
from outreach.store import session_scope
from outreach.store.models import row_id, utcnow
from outreach.watcher.config import WatcherConfig
from outreach.watcher.inbound import Context, Fetched, Verdict, already_recorded, evaluate, record
from outreach.watcher.lookup import our_addresses
from outreach.watcher.sync import first_look_day, read_candidates


@dataclass(frozen=True)
class ScanItem:
    """One downloaded message and what it means."""

    verdict: Verdict
    recorded_before: bool
    """The watcher (or an earlier ``--apply``) already handled it."""
    applied: bool = False


@dataclass
class ScanReport:
    """What a scan looked at."""

    mailbox: str
    since: date
    folders: list[str] = field(default_factory=list)
    looked_at: int = 0
    items: list[ScanItem] = field(default_factory=list)


def scan_mailbox(
    db: Engine,
    email: str,
    *,
    since: date | None,
    config: WatcherConfig,
    rules: Rules,
    connector: InboxConnector,
    apply: bool = False,
) -> ScanReport:
    """Look at the mail received since ``since`` (default: as the watcher's first look)."""
    with Session(db) as session:
        mailbox = get_mailbox(session, email)
        context = Context(row_id(mailbox.id), rules, our_addresses(session), config)
        start = since or first_look_day(session, context, utcnow())
    report = ScanReport(mailbox.email, start)
    client = connector.reader(account_of(mailbox))
    try:
        for folder in _folders(client, config):
            report.folders.append(folder)
            for fetched in _candidates(client, db, context, folder, start, report):
                report.items.append(_handle(db, fetched, context, apply))
    finally:
        client.close()
    return report


def _folders(client: FolderReader, config: WatcherConfig) -> list[str]:
    junk = client.junk_folder() if config.watch_junk else None
    return [INBOX, *([junk] if junk else [])]


def _candidates(
    client: FolderReader, db: Engine, context: Context, folder: str, since: date, report: ScanReport
) -> Iterator[Fetched]:
    state = client.examine(folder)
    uids = client.uids_since(since)
    report.looked_at += len(uids)
    size = context.config.fetch_batch
    for start in range(0, len(uids), size):
        batch = uids[start : start + size]
        yield from read_candidates(client, db, context, folder, state.uidvalidity, batch)


def _handle(db: Engine, fetched: Fetched, context: Context, apply: bool) -> ScanItem:
    with session_scope(db) as session:
        seen = already_recorded(session, context.mailbox_id, fetched)
        now = utcnow()
        verdict = evaluate(session, fetched, context, now)
        if not apply or seen:
            session.rollback()
            return ScanItem(verdict, seen)
        applied = record(session, verdict, context.mailbox_id, now) is not None
    return ScanItem(verdict, seen, applied)
