"""The dashboard's read model: today per mailbox, the send queue, replies to read, counts.

Counts and each mailbox's day come from :mod:`outreach.views.numbers`, as in ``status`` and
``report``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from outreach import wording
from outreach.lifecycle.pacer_state import load_pacer
from outreach.states import PENDING
from outreach.store.models import (
    Campaign,
    Enrollment,
    InboundMessage,
    Mailbox,
    Prospect,
    Send,
    row_id,
)
from outreach.store.reading import EngineReader
from outreach.views.common import aware, start_of_day
from outreach.views.inbox import needs_attention
from outreach.views.numbers import (
    MailboxDay,
    Numbers,
    TaskCounts,
    mailbox_days,
    replies_by_intent,
    task_counts,
    totals,
)
from outreach.views.sent_copies import sent_copies

QUEUE_LENGTH = 20
ATTENTION_SHOWN = 8


@dataclass(frozen=True)
class MailboxToday:
    """One mailbox's day: how much it sent against its (ramped) cap, and what is next."""

    email: str
    day: MailboxDay
    paused: bool
    pause_reason: str | None
    next_send_at: datetime | None
    """When its next queued send may leave (None: nothing queued, or paused)."""
    warning: str | None = None
    """A health warning that does not stop sending (Sent copies failing)."""


@dataclass(frozen=True)
class QueuedSend:
    """A send waiting in the queue."""

    due_at: datetime
    email: str
    step: int
    """1-based step number."""
    campaign: str
    mailbox: str


@dataclass(frozen=True)
class Attention:
    """A reply nobody has marked interested or not yet."""

    inbound_id: int
    from_addr: str
    subject: str
    received_at: datetime | None
    campaign: str | None


@dataclass(frozen=True)
class Counts:
    """What happened today (since midnight where the user is) and in all, in every campaign."""

    today: Numbers
    total: Numbers
    to_answer: dict[str, int] = field(default_factory=dict)
    """Replies still to answer (not handled, not snoozed), per intent, most first."""
    tasks: TaskCounts = field(default_factory=TaskCounts)
    """Task steps due (calls, LinkedIn, to-dos) and how many of them are overdue."""


@dataclass(frozen=True)
class Dashboard:
    mailboxes: tuple[MailboxToday, ...]
    queue: tuple[QueuedSend, ...]
    attention: tuple[Attention, ...]
    attention_total: int
    counts: Counts


def load_dashboard(db: Engine, now: datetime, tz: ZoneInfo) -> Dashboard:
    """Everything the dashboard shows, read in one session (``tz``: where "today" is)."""
    with Session(db) as session:
        mailboxes = list(session.exec(select(Mailbox).order_by(col(Mailbox.email))))
        pending = {row_id(m.id): _pending(session, m, QUEUE_LENGTH) for m in mailboxes}
        days = mailbox_days(EngineReader(db), mailboxes, now)
        attention, attention_total = _attention(session)
        copies = sent_copies(EngineReader(db), mailboxes)
        today = tuple(
            replace(
                _mailbox_today(session, m, days[row_id(m.id)], pending[row_id(m.id)], now),
                warning=copies[row_id(m.id)].warning,
            )
            for m in mailboxes
        )
    return Dashboard(
        mailboxes=today,
        queue=_queue(mailboxes, pending),
        attention=attention,
        attention_total=attention_total,
        counts=Counts(
            today=totals(db, since=start_of_day(now, tz)), total=totals(db),
            to_answer=_to_answer(db, now, tz), tasks=task_counts(db, now),
        ),  # fmt: skip
    )


def _to_answer(db: Engine, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    by_intent = replies_by_intent(db, today=now.astimezone(tz).date())
    waiting = {intent: count.to_answer for intent, count in by_intent.items() if count.to_answer}
    return dict(sorted(waiting.items(), key=lambda item: (-item[1], item[0])))


def _mailbox_today(
    session: Session, mailbox: Mailbox, day: MailboxDay, pending: list[QueuedSend], now: datetime
) -> MailboxToday:
    pacer = load_pacer(session, mailbox, now, random.Random(0))
    due = pending[0].due_at if pending else None
    if due is not None and pacer.next_free is not None:
        due = max(due, pacer.next_free)
    return MailboxToday(
        email=mailbox.email,
        day=day,
        paused=mailbox.paused,
        pause_reason=wording.pause_reason(mailbox.pause_reason) or None,
        next_send_at=None if mailbox.paused else due,
    )


def _queue(
    mailboxes: list[Mailbox], pending: dict[int, list[QueuedSend]]
) -> tuple[QueuedSend, ...]:
    """The soonest sends of the mailboxes that are not paused."""
    live = [item for box in mailboxes if not box.paused for item in pending[row_id(box.id)]]
    return tuple(sorted(live, key=lambda item: item.due_at)[:QUEUE_LENGTH])


def _pending(session: Session, mailbox: Mailbox, limit: int) -> list[QueuedSend]:
    """A mailbox's next queued sends in live campaigns and enrollments, soonest first.

    One query per pending state, each walking the (mailbox, state, due) index in order;
    the state filters on campaign and enrollment are written so SQLite does not drive
    the join from their own indexes (which would sort every queued send).
    """
    found: list[QueuedSend] = []
    for state in PENDING:
        rows = session.execute(
            sa_select(*map(col, (Send.due_at, Prospect.email, Send.step_index, Campaign.name)))
            .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
            .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
            .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
            .where(col(Send.mailbox_id) == mailbox.id, col(Send.state) == state)
            .where(_unindexed(Campaign.state) == "active", _unindexed(Enrollment.state) == "active")
            .order_by(col(Send.due_at))
            .limit(limit)
        ).all()
        found += [
            QueuedSend(aware(due) or due, email, step + 1, campaign, mailbox.email)
            for due, email, step, campaign in rows
        ]
    return sorted(found, key=lambda item: item.due_at)[:limit]


def _unindexed(column: object) -> ColumnElement[str]:
    """``column`` as an expression no index serves (SQLite then keeps the send index)."""
    return func.coalesce(col(column), "")  # type: ignore[arg-type]


def _attention(session: Session) -> tuple[tuple[Attention, ...], int]:
    needs = needs_attention()
    total = session.exec(select(func.count()).select_from(InboundMessage).where(needs)).one()
    rows = session.exec(
        select(InboundMessage, Campaign.name)
        .outerjoin(Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id))
        .outerjoin(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
        .where(needs)
        .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
        .limit(ATTENTION_SHOWN)
    ).all()
    items = tuple(
        Attention(
            inbound_id=row.id or 0,
            from_addr=row.from_addr or "?",
            subject=row.subject or "",
            received_at=aware(row.received_at),
            campaign=name,
        )
        for row, name in rows
    )
    return items, total
