"""What the simulation needs per campaign, timezone and mailbox, prepared once (µs, no dates).

A :class:`Profile` is what all enrollments of one campaign in one timezone share; a
:class:`Lane` is that profile seen from one mailbox (its window carries the mailbox's daily
jitter, its domain limit the mailbox's own). Follow-up waits become integer arithmetic on
plain days, and :func:`~outreach.planner.windows.after_wait` itself around DST changes.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from outreach.planner.clock import DAY_US, MICROSECOND, DayTable, from_us, to_us, weekday
from outreach.planner.opening import WindowTable
from outreach.planner.pacing import day_start_jitter
from outreach.planner.windows import after_wait
from outreach.sequences.model import Pace, Schedule, Step, Wait

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, eq=False)
class Profile:
    """The rules and steps all enrollments of one campaign in one timezone share."""

    tz: ZoneInfo
    schedule: Schedule
    pace: Pace
    campaign: Hashable
    steps: tuple[Step, ...]


class Timeline:
    """The day and window tables of one simulation, built once per timezone and schedule."""

    def __init__(self, first_day: int) -> None:
        self.first_day = first_day
        self._days: dict[ZoneInfo, DayTable] = {}
        self._windows: dict[tuple[Schedule, ZoneInfo, str | None], WindowTable] = {}

    def days(self, tz: ZoneInfo) -> DayTable:
        table = self._days.get(tz)
        if table is None:
            table = self._days[tz] = DayTable(tz, self.first_day)
        return table

    def window(self, schedule: Schedule, tz: ZoneInfo, mailbox_key: str) -> WindowTable:
        jitter = day_start_jitter(mailbox_key, schedule)
        key = (schedule, tz, None if schedule.start == time(0) else mailbox_key)  # as jitter
        table = self._windows.get(key)
        if table is None:
            table = self._windows[key] = WindowTable(schedule, self.days(tz), jitter)
        return table


class Lane:
    """One profile as one mailbox sends it: window, caps, gap range, follow-up waits."""

    def __init__(self, profile: Profile, timeline: Timeline, mailbox_key: str, hourly: int | None):
        pace = profile.pace
        self.profile = profile
        self.campaign = profile.campaign
        self.days = timeline.days(profile.tz)
        self.window = timeline.window(profile.schedule, profile.tz, mailbox_key)
        self.campaign_cap = pace.daily_cap
        limits = [n for n in (pace.per_domain_hourly, hourly) if n]
        self.domain_limit = min(limits) if limits else None
        self.gap_low, self.gap_high = pace.gap_min.total_seconds(), pace.gap_max.total_seconds()
        self.step_count = len(profile.steps)

    def after_wait(self, step_index: int, sent_at: int) -> int:
        """When step ``step_index`` becomes due after the previous one left at ``sent_at``."""
        wait = self.profile.steps[step_index].wait
        if wait.business_days:
            if wait.business_days < 0:
                return self._exact(wait, sent_at)
            return self._on_wall_clock(wait, sent_at, wait.business_days, business=True)
        amount = wait.amount
        if amount >= ONE_DAY and amount % ONE_DAY == timedelta(0):
            return self._on_wall_clock(wait, sent_at, amount.days, business=False)
        return sent_at + amount // MICROSECOND

    def _on_wall_clock(self, wait: Wait, sent_at: int, count: int, business: bool) -> int:
        """The same local time ``count`` (business) days later; exact on DST days."""
        day = self.days.day_of(sent_at)
        target = add_business_days(day, count) if business else day + count
        offset, target_offset = self.days.offset(day), self.days.offset(target)
        if offset is None or target_offset is None:
            return self._exact(wait, sent_at)
        return sent_at + offset + (target - day) * DAY_US - target_offset

    def _exact(self, wait: Wait, sent_at: int) -> int:
        return to_us(after_wait(wait, from_us(sent_at), self.profile.tz))


def add_business_days(ordinal: int, days: int) -> int:
    """The date ``days`` business days (Mon–Fri) after ``ordinal``, as windows.py counts.

    Past the first business day every five more are one calendar week, so whole weeks are
    added at once and at most five days are stepped.
    """
    if days <= 0:
        return ordinal
    weeks, rest = divmod(days - 1, 5)
    ordinal += 7 * weeks
    remaining = rest + 1
    while remaining:
        ordinal += 1
        if weekday(ordinal) < 5:
            remaining -= 1
    return ordinal
