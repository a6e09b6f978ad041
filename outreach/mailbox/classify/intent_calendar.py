"""Calendar arithmetic for :mod:`intent_dates`: periods, their next occurrence, holidays."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Which = str
"""Which day of a period a phrase means: ``start``, ``mid``, ``end`` or ``after``."""


@dataclass(frozen=True, slots=True)
class Period:
    """A span of days, both ends included."""

    start: dt.date
    end: dt.date

    def point(self, which: Which) -> dt.date:
        """``start`` → first day, ``mid`` → 15th (one month) or the first of the middle
        month, ``end`` → last day, ``after`` → the day after the last."""
        if which == "after":
            return self.end + dt.timedelta(days=1)
        if which == "end":
            return self.end
        if which == "mid":
            months = months_between(self.start, self.end)
            return (
                self.start.replace(day=15) if months <= 1 else add_months(self.start, months // 2)
            )
        return self.start


PeriodOf = Callable[[int], Period]
"""A period of a given year (March of 2027, Q2 of 2027…)."""


def next_point(period_of: PeriodOf, which: Which, year: int | None, sent: dt.date) -> dt.date:
    """The day ``which`` of the period in ``year``; without a year, in the first year
    where that day is after ``sent`` (the next occurrence)."""
    if year is not None:
        return period_of(year).point(which)
    for candidate in (sent.year - 1, sent.year, sent.year + 1):
        point = period_of(candidate).point(which)
        if point > sent:
            return point
    return period_of(sent.year + 2).point(which)


def months(first_month: int, count: int) -> PeriodOf:
    """``count`` months from ``first_month`` (1–12), as a period of any year."""

    def period(year: int) -> Period:
        start = dt.date(year, first_month, 1)
        return Period(start, add_months(start, count) - dt.timedelta(days=1))

    return period


def one_day(month: int, day: int) -> PeriodOf:
    """A fixed day of the year (clamped to the month's length)."""

    def period(year: int) -> Period:
        date = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
        return Period(date, date)

    return period


def days(first: Callable[[int], dt.date], count: int = 1) -> PeriodOf:
    """A movable holiday: ``count`` days from ``first(year)``."""

    def period(year: int) -> Period:
        start = first(year)
        return Period(start, start + dt.timedelta(days=count - 1))

    return period


def months_between(start: dt.date, end: dt.date) -> int:
    """How many calendar months ``start``..``end`` touch."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def add_months(day: dt.date, count: int) -> dt.date:
    """``day`` moved by ``count`` months (the day clamped to the month's length)."""
    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous algorithm of 1876)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month; ``n = -1`` for the last."""
    if n < 0:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


HOLIDAYS: dict[str, PeriodOf] = {
    "easter": days(lambda year: easter_sunday(year), 2),
    "whitsun": days(lambda year: easter_sunday(year) + dt.timedelta(days=49), 2),
    "labor_day": days(lambda year: nth_weekday(year, 9, 0, 1)),
    "memorial_day": days(lambda year: nth_weekday(year, 5, 0, -1)),
    "thanksgiving": days(lambda year: nth_weekday(year, 11, 3, 4)),
    "independence_day": one_day(7, 4),
}
"""Holidays with their days off ("after Easter" = the day after Easter Monday)."""
