"""Sending windows and waits on the prospect's wall clock (zoneinfo, DST-correct).

All datetimes going in and out are timezone-aware; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from outreach.sequences.model import Schedule, Wait

ONE_DAY = timedelta(days=1)
NO_JITTER: Callable[[date], timedelta] = lambda _day: timedelta(0)  # noqa: E731


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    if clock == time.max:  # "24:00" = the next midnight
        return datetime.combine(day + ONE_DAY, time(0), tz)
    return datetime.combine(day, clock, tz)


def intervals(schedule: Schedule, day: date) -> Iterator[tuple[time, time]]:
    """The open (start, end) wall-clock intervals of one day, lunch cut out."""
    if day.weekday() not in schedule.days:
        return
    if schedule.lunch is None:
        yield schedule.start, schedule.end
        return
    lunch_start, lunch_end = schedule.lunch
    if schedule.start < lunch_start:
        yield schedule.start, min(lunch_start, schedule.end)
    if lunch_end < schedule.end or schedule.end == time.max:
        yield max(lunch_end, schedule.start), schedule.end


def next_open(
    schedule: Schedule,
    tz: ZoneInfo,
    at: datetime,
    jitter: Callable[[date], timedelta] = NO_JITTER,
) -> datetime:
    """The earliest moment ≥ ``at`` inside the window (UTC).

    ``jitter(day)`` delays the day's first opening (a randomized start of the working day).
    """
    local_day = at.astimezone(tz).date()
    for offset in range(15):
        day = local_day + offset * ONE_DAY
        for opens, closes in open_intervals(schedule, tz, day, jitter(day)):
            if at < closes:
                return max(at, opens)
    raise ValueError("schedule has no sending day")  # validation guarantees ≥ 1 day


@lru_cache(maxsize=65536)
def open_intervals(
    schedule: Schedule, tz: ZoneInfo, day: date, first_delay: timedelta
) -> tuple[tuple[datetime, datetime], ...]:
    """The day's open intervals in UTC, the first one opening ``first_delay`` late."""
    result = []
    for index, (start, end) in enumerate(intervals(schedule, day)):
        opens = _local(day, start, tz) + (first_delay if index == 0 else timedelta(0))
        closes = _local(day, end, tz)
        if opens < closes:
            result.append((opens.astimezone(UTC), closes.astimezone(UTC)))
    return tuple(result)


def window_close(schedule: Schedule, tz: ZoneInfo, at: datetime) -> datetime:
    """When the open interval containing ``at`` closes (UTC); ``at`` must be open."""
    day = at.astimezone(tz).date()
    for check_day in (day - ONE_DAY, day):  # an interval ending at 24:00 belongs to the day before
        for start, end in intervals(schedule, check_day):
            if _local(check_day, start, tz) <= at < _local(check_day, end, tz):
                return _local(check_day, end, tz).astimezone(UTC)
    return at


def is_open(schedule: Schedule, tz: ZoneInfo, at: datetime) -> bool:
    return next_open(schedule, tz, at) == at.astimezone(UTC)


def after_wait(wait: Wait, sent_at: datetime, tz: ZoneInfo) -> datetime:
    """When a follow-up becomes due, ``wait`` after the previous send (UTC).

    Business days skip Saturday and Sunday; whole days and weeks are counted on the
    prospect's wall clock (so "2d" keeps the hour across a DST change); shorter waits are
    absolute durations.
    """
    if wait.business_days:
        return _add_business_days(sent_at.astimezone(tz), wait.business_days).astimezone(UTC)
    amount = wait.amount
    if amount >= ONE_DAY and amount % ONE_DAY == timedelta(0):
        local = sent_at.astimezone(tz)
        shifted = datetime.combine(local.date() + amount, local.timetz().replace(tzinfo=None), tz)
        return shifted.astimezone(UTC)
    return (sent_at + amount).astimezone(UTC)


def _add_business_days(local: datetime, days: int) -> datetime:
    day = local.date()
    remaining = days
    while remaining:
        day += ONE_DAY
        if day.weekday() < 5:
            remaining -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), local.tzinfo)
