"""Parsing of schedule values: weekday names, ``"09:00-17:00"`` windows and IANA timezones."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable
from datetime import time

from outreach.i18n import _

from .problems import FieldError, did_you_mean

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Canonical weekday names, index = ``datetime.weekday()``."""

_DAY_ALIASES: dict[str, int] = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{name: i for i, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])},
    **{name: i for i, name in enumerate(["mo", "di", "mi", "do", "fr", "sa", "so"])},
    **{name: i for i, name in enumerate(
        ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"])},
    "tues": 1, "wed": 2, "thur": 3, "thurs": 3,
}
ACCEPTED_DAY_NAMES = tuple(_DAY_ALIASES)
"""Every weekday spelling accepted in ``days`` (English and German)."""

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def window_form() -> str:
    """What a time window may look like (the hint of every window error)."""
    return _('write "HH:MM-HH:MM" in 24-hour time, e.g. "09:00-17:00" ("00:00-24:00" = any time)')


def parse_day(name: str) -> int:
    """``"mon"``, ``"Monday"`` or German ``"Mo"``/``"Montag"`` → 0."""
    key = name.strip().lower().rstrip(".")
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    best = did_you_mean(key, _DAY_ALIASES)
    hint = _("did you mean `{best}`?").format(best=best) + " " if best else ""
    raise FieldError(
        _("{name} is not a weekday").format(name=repr(name)),
        hint + _("use mon, tue, wed, thu, fri, sat, sun"),
    )


def parse_days(names: Iterable[str]) -> frozenset[int]:
    """A list of weekday names → weekday numbers; at least one is required."""
    days = frozenset(parse_day(name) for name in names)
    if not days:
        raise FieldError(
            _("no sending days"), _("list at least one, e.g. [mon, tue, wed, thu, fri]")
        )
    return days


def parse_window(value: str) -> tuple[time, time]:
    """``"09:00-17:00"`` → (09:00, 17:00); an end of ``24:00`` becomes ``time.max``."""
    start_text, dash, end_text = value.partition("-")
    if not dash:
        raise FieldError(_("{value} is not a time window").format(value=repr(value)), window_form())
    start, end = _clock(value, start_text, is_end=False), _clock(value, end_text, is_end=True)
    if start >= end:
        raise FieldError(_("{value} ends before it starts").format(value=repr(value)),
                         _("overnight windows are not supported;") + " " + window_form())
    return start, end


def _clock(window: str, text: str, *, is_end: bool) -> time:
    match = _CLOCK.fullmatch(text.strip())
    if not match:
        raise FieldError(
            _("{window}: {text} is not a time").format(
                window=repr(window), text=repr(text.strip())
            ),
            window_form(),
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if is_end and (hour, minute) == (24, 0):
        return time.max
    if hour > 23 or minute > 59:
        raise FieldError(
            _("{window}: {text} is not a time of day").format(
                window=repr(window), text=repr(text.strip())
            ),
            window_form(),
        )
    return time(hour, minute)


def format_window(window: tuple[time, time]) -> str:
    """Inverse of ``parse_window``."""
    end = "24:00" if window[1] == time.max else window[1].strftime("%H:%M")
    return f"{window[0].strftime('%H:%M')}-{end}"


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    """Return ``name`` when it is a known IANA timezone, else raise with close names."""
    if name in _zone_names():
        return name
    raise FieldError(_("{name} is not an IANA timezone").format(name=repr(name)), _zone_hint(name))


def _zone_hint(name: str) -> str:
    by_city = {zone.rsplit("/", 1)[-1].lower(): zone for zone in _zone_names()}
    city = name.strip().replace(" ", "_").rsplit("/", 1)[-1].lower()
    best = by_city.get(city) or did_you_mean(name.replace(" ", "_"), _zone_names())
    if best is None and (close := did_you_mean(city, by_city)):
        best = by_city[close]
    found = _("did you mean `{best}`?").format(best=best) + " " if best else ""
    return found + _("use an IANA name such as Europe/Berlin, America/New_York or UTC")
