"""A sending window as a sorted list of open intervals (µs), for ``next_open`` by bisection.

The intervals are the very ones :func:`~outreach.planner.windows.open_intervals` gives
(per local day, the first one delayed by the day's jitter); the table only lays them end to
end. :func:`~outreach.planner.windows.next_open` scans day by day for the first interval
that closes after ``at``; on a table whose intervals close in order and each inside its own
day, that is the first interval (of all) closing after ``at`` — found by bisection. Anything
the table cannot vouch for is answered by ``next_open`` itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from outreach.planner.clock import DayTable, from_us, to_us
from outreach.planner.windows import next_open, open_intervals
from outreach.sequences.model import Schedule

SEARCH_DAYS = 15
"""How many local days ``next_open`` looks ahead (it gives up after that)."""


class WindowTable:
    """The open intervals of one schedule in one timezone for one mailbox's jitter."""

    def __init__(
        self, schedule: Schedule, days: DayTable, jitter: Callable[[date], timedelta]
    ) -> None:
        self.schedule, self.days, self.jitter = schedule, days, jitter
        self.tz: ZoneInfo = days.tz
        self.opens: list[int] = []
        self.closes: list[int] = []
        self.interval_day: list[int] = []
        self.next_day = days.first
        self.safe = True
        """False once an interval closes out of order or outside its day: bisection is off."""

    def next_open(self, at: int) -> int:
        """``next_open(schedule, tz, at, jitter)`` in µs."""
        if self.safe:
            day = self.days.day_of(at)
            self._cover(day + SEARCH_DAYS)
            if self.safe and self.days.monotonic and day >= self.days.first:
                i = bisect_right(self.closes, at)
                if i < len(self.closes) and self.interval_day[i] < day + SEARCH_DAYS:
                    opens = self.opens[i]
                    return opens if opens > at else at
        return to_us(next_open(self.schedule, self.tz, from_us(at), self.jitter))

    def _cover(self, last_day: int) -> None:
        while self.next_day <= last_day:
            self._add_day(self.next_day)
            self.next_day += 1

    def _add_day(self, ordinal: int) -> None:
        day = date.fromordinal(ordinal)
        starts, ends = self.days.midnight(ordinal), self.days.midnight(ordinal + 1)
        for opens_at, closes_at in open_intervals(self.schedule, self.tz, day, self.jitter(day)):
            opens, closes = to_us(opens_at), to_us(closes_at)
            in_order = not self.closes or closes >= self.closes[-1]
            self.safe = self.safe and in_order and starts <= opens and closes <= ends
            self.opens.append(opens)
            self.closes.append(closes)
            self.interval_day.append(ordinal)
