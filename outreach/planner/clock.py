"""Integer time for the simulation: microseconds since the epoch, and local days per timezone.

A plan of half a million sends cannot afford zoneinfo work per send. Between two DST
changes a timezone is a fixed offset, so :class:`DayTable` computes each local midnight
once (with the same ``datetime.combine`` the datetime code uses) and answers "which local
day is this instant" by bisection. Days whose offset changes (DST) are not "plain": for
them every answer is computed the slow, exact way, so results never differ.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
GROW_DAYS = 32


def to_us(at: datetime) -> int:
    """An aware datetime as microseconds since the epoch (exact)."""
    return (at - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime (exact)."""
    return EPOCH + timedelta(microseconds=us)


def seconds_to_us(seconds: float) -> int:
    """``timedelta(seconds=seconds)`` in microseconds, rounded the same way (half to even).

    Only for seconds ≥ 0 (gaps): the integer part is exact, the fraction is scaled as
    CPython's timedelta does and rounded half to even like it.
    """
    whole = int(seconds)
    return whole * SECOND_US + round((seconds - whole) * 1e6)


def weekday(ordinal: int) -> int:
    """``date.fromordinal(ordinal).weekday()`` without building the date (Monday = 0)."""
    return (ordinal - 1) % 7


class DayTable:
    """Local midnights of one timezone from day ``first`` (a date ordinal) on, grown on demand.

    ``offsets[k]`` is the UTC offset (µs) of day ``first + k`` when the whole day has that
    one offset and is 24 h long ("plain"), else None.
    """

    def __init__(self, tz: ZoneInfo, first: int) -> None:
        self.tz = tz
        self.first = first
        self.midnights = [self._midnight(first)]
        self.offsets: list[int | None] = []
        self.monotonic = True
        """Whether the midnights only ever increase (checked as the table grows)."""

    def day_of(self, at: int) -> int:
        """The local date (ordinal) of instant ``at``: ``at.astimezone(tz).date()``."""
        while at >= self.midnights[-1] and len(self.offsets) < 100_000:
            self._grow()
        k = bisect_right(self.midnights, at) - 1
        if 0 <= k < len(self.offsets) and self.offsets[k] is not None:
            return self.first + k
        return from_us(at).astimezone(self.tz).date().toordinal()

    def midnight(self, ordinal: int) -> int:
        """The instant local day ``ordinal`` starts (``combine(day, 00:00, tz)``, fold 0)."""
        k = ordinal - self.first
        if k < 0:
            return self._midnight(ordinal)
        self._cover(ordinal)
        return self.midnights[k]

    def offset(self, ordinal: int) -> int | None:
        """The UTC offset (µs) of a plain day; None for a DST day (or one before the table)."""
        k = ordinal - self.first
        if k < 0:
            return None
        self._cover(ordinal)
        return self.offsets[k]

    def _cover(self, ordinal: int) -> None:
        while ordinal - self.first >= len(self.offsets):
            self._grow()

    def _grow(self) -> None:
        for _ in range(GROW_DAYS):
            ordinal = self.first + len(self.offsets)
            start, end = self.midnights[-1], self._midnight(ordinal + 1)
            self.monotonic = self.monotonic and end >= start
            self.midnights.append(end)
            self.offsets.append(self._plain_offset(ordinal, start, end))

    def _plain_offset(self, ordinal: int, start: int, end: int) -> int | None:
        if end - start != DAY_US:
            return None
        offset = self._offset_at(start)
        wall_midnight = (ordinal - EPOCH_ORDINAL) * DAY_US
        if start + offset != wall_midnight or self._offset_at(end - 1) != offset:
            return None
        return offset

    def _offset_at(self, at: int) -> int:
        delta = from_us(at).astimezone(self.tz).utcoffset()
        assert delta is not None  # a ZoneInfo always has an offset
        return delta // MICROSECOND

    def _midnight(self, ordinal: int) -> int:
        return to_us(datetime.combine(date.fromordinal(ordinal), time(0), self.tz))
