"""``outreach status``: the engines running on this database and each mailbox's health."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, func, select
from sqlmodel import Session, col

from outreach import wording
from outreach.engine.health import database_problem
from outreach.engine.presence import running_engines
from outreach.states import PENDING
from outreach.store.models import Mailbox, MailboxLease, Send, utcnow
from outreach.views.numbers import MailboxDay, mailbox_days
from outreach.views.sent_copies import SentCopies, sent_copies


def status(db: Engine, now: datetime | None = None) -> dict[str, Any]:
    engines = running_engines(db)
    return {
        "database": database_problem(db),
        "engines": [{**asdict(e), "alive": e.alive} for e in engines],
        "mailboxes": mailbox_health(db, now),
    }


def mailbox_health(db: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each mailbox: today's sends against today's (ramped) cap, its queue, who holds it."""
    now = now or utcnow()
    with Session(db) as session:
        mailboxes = session.execute(select(Mailbox).order_by(col(Mailbox.email))).scalars().all()
        days = mailbox_days(session, mailboxes, now)
        pending = _pending_by_mailbox(session, now)
        copies = sent_copies(session, mailboxes)
        holders = dict(
            session.execute(
                select(col(MailboxLease.mailbox_id), col(MailboxLease.holder)).where(
                    col(MailboxLease.expires_at) > now
                )
            ).all()
        )
        return [
            _health(
                session,
                m,
                days[m.id or 0],
                now,
                pending.get(m.id or 0, (0, 0, None)),
                holders.get(m.id or 0),
                copies[m.id or 0],
            )
            for m in mailboxes
        ]


def _pending_by_mailbox(session: Session, now: datetime) -> dict[int, tuple[int, int, Any]]:
    rows = session.execute(
        select(
            col(Send.mailbox_id),
            func.count(),
            func.sum((col(Send.due_at) <= now).cast(Integer)),
            func.min(col(Send.due_at)),
        )
        .where(col(Send.state).in_(PENDING))
        .group_by(col(Send.mailbox_id))
    ).all()
    return {mid: (int(total), int(due or 0), first) for mid, total, due, first in rows}


def _health(
    session: Session,
    mailbox: Mailbox,
    day: MailboxDay,
    now: datetime,
    pending: tuple[int, int, Any],
    holder: str | None,
    copies: SentCopies,
) -> dict[str, Any]:
    last_sent = session.execute(
        select(func.max(col(Send.sent_at))).where(col(Send.mailbox_id) == mailbox.id)
    ).scalar_one()
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
