"""How times, durations, shares and stored names (states, kinds, intents) look on screen,
in the rep's language."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rich.text import Text

from outreach import i18n, wording
from outreach.i18n import _, pgettext

# The names stored in the database (StrEnum values), as the rep reads them: one table for
# every view (outreach.wording); the values stay English everywhere else (--json, CSV, logs).


def state_label(state: str | None) -> str:
    """``active`` → ``active`` / ``aktiv``; an unknown value as it is."""
    return wording.state(state) if state else ""


def kind_label(kind: str) -> str:
    """``auto_reply`` → ``auto-reply`` / ``automatische Antwort``."""
    return wording.message_kind(kind)


def kind_short(kind: str) -> str:
    """A kind in a table cell: as :func:`kind_label`, abbreviated where a language needs it
    (``autom. Antw.``)."""
    shorts = {
        "reply": pgettext("table cell", "reply"),
        "auto_reply": pgettext("table cell", "auto-reply"),
        "bounce": pgettext("table cell", "bounce"),
        "unsubscribe": pgettext("table cell", "unsubscribe"),
        "other": pgettext("table cell", "other"),
    }
    return shorts.get(kind) or kind_label(kind)


def intent_label(intent: str | None) -> str:
    """``not_now`` → ``not now`` / ``später``; None → ``—``."""
    return wording.intent(intent) if intent else "—"


def duration(delta: timedelta) -> str:
    """``2d 3h``, ``4h 05m``, ``3m 20s``, ``12s``: two units at most (German: ``2T 3h``)."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return pgettext("duration", "{days}d {hours}h").format(days=days, hours=hours)
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
        return _("now")
    return _("in {duration}").format(duration=duration(at - now))


PATTERNS = {
    # name: (English, German) Babel date patterns
    "weekday": ("EEE", "EEE"),
    "weekday_time": ("EEE HH:mm", "EEE HH:mm"),
    "day_month": ("dd MMM", "d. MMM"),
    "date": ("dd MMM yyyy", "d. MMM yyyy"),
    "weekday_date": ("EEE dd MMM yyyy", "EEE, d. MMM yyyy"),
}


def dated(value: date | datetime, pattern: str) -> str:
    """``value`` in one of :data:`PATTERNS`, with the rep's month and weekday names."""
    from babel.dates import format_date, format_datetime

    english, german = PATTERNS[pattern]
    chosen = german if i18n.current() == "de" else english
    if isinstance(value, datetime):
        return format_datetime(value, chosen, locale=i18n.babel_locale())
    return format_date(value, chosen, locale=i18n.babel_locale())


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
            return dated(here, "weekday_time")
    return here.strftime("%Y-%m-%d %H:%M")


def number(value: int) -> str:
    """``1,234`` / ``1.234``."""
    return i18n.number(value)


def plain(*values: object) -> list[object]:
    """Table cells shown as typed: a ``str`` is never read as Rich markup (a subject such as
    "[JIRA] Re: …" stays as it is) and is not parsed again on every repaint."""
    return [Text(value) if isinstance(value, str) else value for value in values]
