"""Durations as people write them: ``45s``, ``10m``, ``4h``, ``2d``, ``1w``, ``2 days``,
``1h 30m``, ``3 business days`` (German unit names work too: ``2 Tage``, ``3 Werktage``).

Parsing raises ``FieldError`` whose message says which forms are accepted.
"""

from __future__ import annotations

import re
from datetime import timedelta

from outreach.i18n import _, ngettext

from .model import Wait
from .problems import FieldError, suggestion

_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_WEEK = timedelta(weeks=1)

_UNITS: dict[str, timedelta] = {
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds", "sekunde", "sekunden"], _SECOND),
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes", "minuten"], _MINUTE),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden"], _HOUR),
    **dict.fromkeys(["d", "day", "days", "tag", "tage"], _DAY),
    **dict.fromkeys(["w", "wk", "week", "weeks", "woche", "wochen"], _WEEK),
}
_BUSINESS_UNITS = [
    "business days",
    "business day",
    "bd",
    "workdays",
    "workday",
    "werktage",
    "werktag",
]
_BUSINESS = re.compile(r"(\d+)\s*(business\s+days?|bd|work\s*days?|werktage?)")
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)")
_WHOLE = re.compile(r"(?:\d+(?:[.,]\d+)?\s*[^\W\d_]+[\s,]*)+")



def duration_forms() -> str:
    """What a duration may look like (the hint of every duration error)."""
    return _(
        'write a whole number and a unit: 45s, 10m, 4h, 2d, 1w, "2 days", "1h 30m" or '
        '"3 business days"'
    )


def parse_wait(value: str | int | None) -> Wait:
    """A step's ``wait`` value → ``Wait``; None, 0 and ``"0"`` mean no wait."""
    if value is None or value == 0 or (isinstance(value, str) and value.strip() == "0"):
        return Wait()
    if isinstance(value, bool) or not isinstance(value, str) or value.strip().isdigit():
        raise FieldError(
            _("{value} has no unit").format(value=repr(value)),
            _("{forms}; e.g. {value}d").format(forms=duration_forms(), value=value),
        )
    text = " ".join(value.lower().split())
    business = _BUSINESS.fullmatch(text)
    if business:
        return Wait(business_days=int(business.group(1)))
    return Wait(amount=parse_duration(value))


def parse_duration(value: str) -> timedelta:
    """A plain duration such as ``90s`` or ``1h 30m`` → ``timedelta`` (business days refused)."""
    text = value.strip().lower()
    if text == "0":
        return timedelta(0)
    if text.startswith("-"):
        raise FieldError(_("{value} is negative").format(value=repr(value)), duration_forms())
    if not _WHOLE.fullmatch(text):
        raise FieldError(
            _("{value} is not a duration").format(value=repr(value)), duration_forms()
        )
    return sum((_part(value, n, u) for n, u in _PART.findall(text)), timedelta(0))


def _part(value: str, number: str, unit: str) -> timedelta:
    if unit in ("business", "werktag", "werktage", "bd"):
        raise FieldError(
            _("{value}: business days cannot be combined or used here").format(
                value=repr(value)
            ),
            _('write e.g. "3 business days" alone as a step wait'),
        )
    if unit not in _UNITS:
        business = unit.startswith(("biz", "bus", "work", "werk", "arbeit"))
        hint = suggestion(unit, [_("business days")] if business else _UNITS)
        raise FieldError(
            _("{value} is not a duration: unknown unit {unit}.").format(
                value=repr(value), unit=repr(unit)
            ) + hint,
            duration_forms(),
        )
    if not number.isdigit():
        raise FieldError(
            _("{value}: use whole numbers").format(value=repr(value)),
            _("write e.g. 90m instead of 1.5h"),
        )
    return int(number) * _UNITS[unit]


def parse_gap(value: str | int) -> tuple[timedelta, timedelta]:
    """A pace gap ``"90s-6m"`` (random between) or ``"2m"`` (fixed) → (minimum, maximum)."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return timedelta(0), timedelta(0)
    if not isinstance(value, str):
        raise FieldError(
            _("{value} has no unit").format(value=repr(value)),
            _('write a range such as "90s-6m"'),
        )
    low_text, _dash, high_text = value.partition("-")
    low = parse_duration(low_text)
    high = parse_duration(high_text) if high_text.strip() else low
    if high < low:
        raise FieldError(
            _("{value}: the shorter pause comes first").format(value=repr(value)),
            _('write "{range}"').format(range=f"{high_text.strip()}-{low_text.strip()}"),
        )
    return low, high


def format_duration(amount: timedelta) -> str:
    """Shortest exact form: 90 s → ``90s``, 6 min → ``6m``, 2 days → ``2d``."""
    seconds = int(amount.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def wait_label(wait: Wait) -> str:
    """A wait as the rep reads it: ``3 business days``, ``2 days``, ``90 seconds`` (German
    ``3 Werktage``, ``2 Tage``); YAML and ``--json`` use :func:`format_wait`."""
    if wait.business_days:
        n = wait.business_days
        return ngettext("{count} business day", "{count} business days", n).format(count=n)
    seconds = int(wait.amount.total_seconds())
    if seconds and seconds % 604800 == 0:
        n = seconds // 604800
        return ngettext("{count} week", "{count} weeks", n).format(count=n)
    if seconds and seconds % 86400 == 0:
        n = seconds // 86400
        return ngettext("{count} day", "{count} days", n).format(count=n)
    if seconds and seconds % 3600 == 0:
        n = seconds // 3600
        return ngettext("{count} hour", "{count} hours", n).format(count=n)
    if seconds and seconds % 60 == 0:
        n = seconds // 60
        return ngettext("{count} minute", "{count} minutes", n).format(count=n)
    return ngettext("{count} second", "{count} seconds", seconds).format(count=seconds)


def format_wait(wait: Wait) -> str:
    """The canonical text of a ``Wait`` (inverse of ``parse_wait``)."""
    if wait.business_days:
        return f"{wait.business_days} business days"
    return format_duration(wait.amount)
