"""How times, durations and shares look on screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.text import Text


def duration(delta: timedelta) -> str:
    """``2d 3h``, ``4h 05m``, ``3m 20s``, ``12s``: two units at most."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def countdown(at: datetime | None, now: datetime) -> str:
    """``in 3m 20s``, ``now`` or ``—``."""
    if at is None:
        return "—"
    if at <= now:
        return "now"
    return f"in {duration(at - now)}"


def local(at: datetime | None, tz: ZoneInfo, now: datetime | None = None) -> str:
    """``14:05`` today, ``Tue 14:05`` within a week, else ``2026-03-12 14:05``."""
    if at is None:
        return "—"
    here = at.astimezone(tz)
    if now is not None:
        today = now.astimezone(tz).date()
        if here.date() == today:
            return here.strftime("%H:%M")
        if abs((here.date() - today).days) < 7:
            return here.strftime("%a %H:%M")
    return here.strftime("%Y-%m-%d %H:%M")


def kind_label(kind: str) -> str:
    """``auto_reply`` → ``auto-reply``."""
    return kind.replace("_", "-")


def plain(*values: object) -> list[object]:
    """Table cells shown as typed: a ``str`` is never read as Rich markup (a subject such as
    "[JIRA] Re: …" stays as it is) and is not parsed again on every repaint."""
    return [Text(value) if isinstance(value, str) else value for value in values]
