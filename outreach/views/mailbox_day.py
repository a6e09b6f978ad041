"""A mailbox's day: its sends since midnight in its own time zone, against today's cap.

Part of the one read model (:mod:`outreach.views.numbers` re-exports it): the dashboard,
the mailbox view and ``outreach status`` show these figures, and they are what the engine
enforces. Read through a :class:`~outreach.store.reading.Reader`, so ``status`` needs no
SQLAlchemy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from outreach.i18n import _
from outreach.lifecycle.zones import mailbox_zone
from outreach.planner.pacing import ramped_cap
from outreach.store.reading import Reader, time
from outreach.views.common import start_of_day


class DayMailbox(Protocol):
    """What a mailbox's day needs of its row (a stored Mailbox, or a record read quickly)."""

    @property
    def id(self) -> int | None: ...
    @property
    def email(self) -> str: ...
    @property
    def daily_cap(self) -> int: ...
    @property
    def ramp(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True)
class MailboxDay:
    """A mailbox's sends today against today's cap (ramped up from its first send day)."""

    email: str
    sent_today: int
    cap_today: int
    daily_cap: int
    ramp: str | None
    first_day: date | None
    """The local day of its first send (the ramp counts from there)."""
    today: date

    @property
    def ramping(self) -> bool:
        return bool(self.ramp) and self.cap_today < self.daily_cap

    @property
    def cap_reached(self) -> bool:
        return self.sent_today >= self.cap_today

    @property
    def text(self) -> str:
        """``3 / 25 ramping`` or ``3 / 40``: how every surface prints it."""
        return f"{self.sent_today} / {self.cap_today}" + (
            " " + _("ramping") if self.ramping else "")


def mailbox_days(
    reader: Reader, mailboxes: Sequence[DayMailbox], now: datetime
) -> dict[int, MailboxDay]:
    """Each mailbox's day at ``now`` (by mailbox id), from two grouped queries."""
    first = {
        mailbox_id: time(at) for mailbox_id, at in reader.rows(
            "SELECT mailbox_id, MIN(sent_at) FROM send WHERE state = 'sent'"
            " GROUP BY mailbox_id")
    }  # fmt: skip
    recent: dict[int, list[datetime]] = defaultdict(list)
    for mailbox_id, sent_at in reader.rows(
        "SELECT mailbox_id, sent_at FROM send WHERE state = 'sent' AND sent_at >= :since",
        {"since": now - timedelta(hours=50)},
    ):
        recent[mailbox_id].append(time(sent_at) or now)
    return {
        m.id: _day(m, now, first.get(m.id), recent[m.id]) for m in mailboxes if m.id is not None
    }


def _day(
    mailbox: DayMailbox, now: datetime, first: datetime | None, recent: list[datetime]
) -> MailboxDay:
    tz = mailbox_zone(mailbox)
    today = now.astimezone(tz).date()
    midnight = start_of_day(now, tz)
    first_day = first.astimezone(tz).date() if first is not None else None
    return MailboxDay(
        email=mailbox.email,
        sent_today=sum(1 for at in recent if midnight <= at),
        cap_today=ramped_cap(mailbox.daily_cap, mailbox.ramp, first_day, today),
        daily_cap=mailbox.daily_cap,
        ramp=mailbox.ramp,
        first_day=first_day,
        today=today,
    )
