"""Human pace for one mailbox: gaps, daily caps with ramp-up, windows, per-domain throttling.

:class:`MailboxPacer` answers one question for the engine and the plan alike: may this
send leave at this moment, and if not, when at the earliest? It holds only counters; the
engine rebuilds it from the sends table on start.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.planner.windows import next_open
from outreach.sequences.model import Pace, Schedule

HOUR = timedelta(hours=1)
MAX_DAY_START_JITTER = timedelta(minutes=20)
RAMP_RE = re.compile(r"^\s*(\d+)\s*\+\s*(\d+)\s*/\s*(?:day|d|tag)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A send that wants to leave: when it is due and the rules that apply to it."""

    key: Hashable
    due: datetime
    tz: ZoneInfo
    schedule: Schedule
    pace: Pace
    campaign: Hashable
    domain: str


def parse_ramp(text: str) -> tuple[int, int]:
    """``"10+5/day"`` → (10, 5): start at 10 a day, add 5 each day."""
    match = RAMP_RE.match(text)
    if not match:
        raise ConfigError(
            _("ramp {value} is not of the form START+STEP/day").format(value=repr(text)),
            hint=_("for example --ramp 10+5/day"),
        )
    return int(match[1]), int(match[2])


def ramped_cap(daily_cap: int, ramp: str | None, first_day: date | None, day: date) -> int:
    """The cap on ``day``: grows from the ramp's start by its step per day, up to ``daily_cap``."""
    if not ramp:
        return daily_cap
    start, step = parse_ramp(ramp)
    days_in = max(0, (day - first_day).days) if first_day else 0
    return min(daily_cap, start + step * days_in)


def day_start_jitter(mailbox_key: str, schedule: Schedule) -> Callable[[date], timedelta]:
    """A stable random delay (0–20 min) of each day's first opening, per mailbox and day.

    Windows that open at midnight ("any time") get none.
    """
    if schedule.start == time(0):
        return _no_jitter
    return partial(_jitter, mailbox_key)


def _no_jitter(_day: date) -> timedelta:
    return timedelta(0)


@lru_cache(maxsize=65536)
def _jitter(mailbox_key: str, day: date) -> timedelta:
    digest = hashlib.blake2b(f"{mailbox_key}|{day.isoformat()}".encode(), digest_size=8)
    return MAX_DAY_START_JITTER * (int.from_bytes(digest.digest()) / 2**64)


def random_gap(pace: Pace, rng: random.Random) -> timedelta:
    low, high = pace.gap_min.total_seconds(), pace.gap_max.total_seconds()
    return timedelta(seconds=rng.uniform(low, high))


@dataclass
class MailboxPacer:
    """Counters of one mailbox's recent sends, and the rules derived from them."""

    key: str
    tz: ZoneInfo
    cap_for: Callable[[date], int]
    domain_hourly: int | None = None
    next_free: datetime | None = None
    sent_on: Counter[date] = field(default_factory=Counter)
    sent_on_campaign: Counter[tuple[Hashable, date]] = field(default_factory=Counter)
    recent_by_domain: dict[str, deque[datetime]] = field(default_factory=dict)
    _day_span: tuple[datetime, datetime, date] | None = None

    def day_of(self, at: datetime) -> date:
        """The mailbox's local date at ``at`` (cached for the current day)."""
        span = self._day_span
        if span is not None and span[0] <= at < span[1]:
            return span[2]
        day = at.astimezone(self.tz).date()
        start = datetime.combine(day, time(0), self.tz).astimezone(UTC)
        self._day_span = (start, self._next_midnight(day), day)
        return day

    def mailbox_free_at(self, at: datetime) -> datetime:
        """The earliest moment ≥ ``at`` that the gap and the mailbox's daily cap allow."""
        while True:
            if self.next_free is not None and at < self.next_free:
                at = self.next_free
            day = self.day_of(at)
            if self.sent_on[day] < self.cap_for(day):
                return at
            at = self._next_midnight(day)

    def blocked_until(self, candidate: Candidate, at: datetime) -> datetime | None:
        """None when ``candidate`` may leave at ``at``; else the earliest time worth retrying."""
        checks = (
            candidate.due if at < candidate.due else None,
            self._gap_or_cap(at),
            self._window(candidate, at),
            self._campaign_cap(candidate, at),
            self._domain_throttle(candidate, at),
        )
        return next((later for later in checks if later is not None), None)

    def record(self, candidate: Candidate, at: datetime, gap: timedelta) -> None:
        """Count a send that left at ``at``; the next may leave ``gap`` later."""
        day = self.day_of(at)
        self.sent_on[day] += 1
        self.sent_on_campaign[(candidate.campaign, day)] += 1
        self.recent_by_domain.setdefault(candidate.domain, deque()).append(at)
        self.next_free = at + gap

    def _gap_or_cap(self, at: datetime) -> datetime | None:
        free = self.mailbox_free_at(at)
        return free if free > at else None

    def _window(self, candidate: Candidate, at: datetime) -> datetime | None:
        jitter = day_start_jitter(self.key, candidate.schedule)
        opens = next_open(candidate.schedule, candidate.tz, at, jitter)
        return opens if opens > at else None

    def _campaign_cap(self, candidate: Candidate, at: datetime) -> datetime | None:
        day = self.day_of(at)
        if self.sent_on_campaign[(candidate.campaign, day)] < candidate.pace.daily_cap:
            return None
        return self._next_midnight(day)

    def _domain_throttle(self, candidate: Candidate, at: datetime) -> datetime | None:
        limits = [n for n in (candidate.pace.per_domain_hourly, self.domain_hourly) if n]
        recent = self.recent_by_domain.get(candidate.domain)
        if not limits or not recent:
            return None
        while recent and recent[0] <= at - HOUR:
            recent.popleft()
        return recent[0] + HOUR if len(recent) >= min(limits) else None

    def _next_midnight(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(UTC)
