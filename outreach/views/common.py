"""Shared pieces of the read models: the clock, pages of rows, day boundaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from outreach.store.reading import as_utc

Clock = Callable[[], datetime]
"""Returns an aware UTC "now"; injected so screens and tests agree on the time."""

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some rows of a longer result, and where they sit in it."""

    rows: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def first(self) -> int:
        """1-based number of the first row shown (0 when there are none)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """1-based number of the last row shown."""
        return self.offset + len(self.rows)

    @property
    def has_next(self) -> bool:
        return self.last < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def start_of_day(now: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of ``now``'s day in ``tz``, as UTC."""
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tz).astimezone(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored datetime as aware UTC (SQLite hands some back naive)."""
    return None if value is None else as_utc(value)


def check_page_args(offset: int, limit: int) -> None:
    """Offsets and limits come from the UI; a negative one is a programming error."""
    if offset < 0 or limit < 1:
        raise ValueError(f"bad page: offset {offset}, limit {limit}")
