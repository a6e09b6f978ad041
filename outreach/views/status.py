"""``outreach status``: the engines running on this database and each mailbox's health.

Read through a :class:`~outreach.store.reading.Reader`: on a SQLite database the command
runs without loading SQLAlchemy (:func:`outreach.store.reading.open_reader`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from outreach import wording
from outreach.engine.health import database_problem
from outreach.engine.running import running_engines
from outreach.states import PENDING
from outreach.store.reading import Reader, one_of, reader_of, time, utcnow
from outreach.store.records import MailboxRecord, mailbox_records
from outreach.views.mailbox_day import MailboxDay, mailbox_days
from outreach.views.sent_copies import SentCopies, sent_copies

if TYPE_CHECKING:
    from sqlalchemy import Engine


def status(db: Engine | Reader, now: datetime | None = None) -> dict[str, Any]:
    reader = reader_of(db)
    engines = running_engines(reader)
    return {
        "database": database_problem(reader),
        "engines": [{**asdict(e), "alive": e.alive} for e in engines],
        "mailboxes": mailbox_health(reader, now),
    }


def mailbox_health(db: Engine | Reader, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each mailbox: today's sends against today's (ramped) cap, its queue, who holds it."""
    reader = reader_of(db)
    now = now or utcnow()
    mailboxes = mailbox_records(reader)
    days = mailbox_days(reader, mailboxes, now)
    pending = _pending_by_mailbox(reader, now)
    copies = sent_copies(reader, mailboxes)
    holders: dict[int, str | None] = dict(reader.rows(
        "SELECT mailbox_id, holder FROM mailboxlease WHERE expires_at > :now", {"now": now}))
    last_sent: dict[int, Any] = dict(reader.rows(
        "SELECT mailbox_id, MAX(sent_at) FROM send WHERE sent_at IS NOT NULL"
        " GROUP BY mailbox_id"))  # fmt: skip
    return [
        _health(m, days[m.id], now, pending.get(m.id, (0, 0, None)), holders.get(m.id),
                copies[m.id], time(last_sent.get(m.id)))
        for m in mailboxes
    ]  # fmt: skip


def _pending_by_mailbox(reader: Reader, now: datetime) -> dict[int, tuple[int, int, Any]]:
    states, params = one_of("state", sorted(PENDING))
    rows = reader.rows(
        "SELECT mailbox_id, COUNT(*), SUM(CASE WHEN due_at <= :now THEN 1 ELSE 0 END),"
        f" MIN(due_at) FROM send WHERE state IN {states} GROUP BY mailbox_id",  # noqa: S608
        {"now": now, **params},
    )
    return {mid: (int(total), int(due or 0), time(first)) for mid, total, due, first in rows}


def _health(
    mailbox: MailboxRecord,
    day: MailboxDay,
    now: datetime,
    pending: tuple[int, int, Any],
    holder: str | None,
    copies: SentCopies,
    last_sent: datetime | None,
) -> dict[str, Any]:
    total, due_now, next_due = pending
    return {
        "email": mailbox.email,
        "paused": mailbox.paused,
        "pause_reason": wording.pause_reason(mailbox.pause_reason) or None,
        "sent_today": day.sent_today,
        "cap_today": day.cap_today,
        "daily_cap": mailbox.daily_cap,
        "ramping": day.ramping,
        "today": day.text,
        "pending": total,
        "due_now": due_now,
        "next_due_at": next_due,
        "last_sent_at": last_sent,
        "lease_holder": holder,
        "stale": bool(due_now and last_sent and now - last_sent > timedelta(hours=1)),
        "warning": copies.warning,
        "sent_copies": copies.as_dict(),
    }
