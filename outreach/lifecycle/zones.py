"""A mailbox's day boundary (light: the read models import it without the pacer)."""

from __future__ import annotations

from typing import Protocol
from zoneinfo import ZoneInfo

from tzlocal import get_localzone


class _Zoned(Protocol):
    @property
    def timezone(self) -> str | None: ...


def mailbox_zone(mailbox: _Zoned) -> ZoneInfo:
    """The day boundary of the mailbox's daily cap: its own setting, else this machine's."""
    if mailbox.timezone:
        return ZoneInfo(mailbox.timezone)
    local = get_localzone()
    return local if isinstance(local, ZoneInfo) else ZoneInfo("UTC")
