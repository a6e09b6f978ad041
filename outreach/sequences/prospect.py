"""A prospect as templates see it: merge fields, display name, timezone (pure)."""

from __future__ import annotations

from typing import Any, Protocol
from zoneinfo import ZoneInfo

from outreach.sequences.model import Sequence


class ProspectLike(Protocol):
    """A prospect row, or a plain copy of one."""

    @property
    def email(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...
    @property
    def fields(self) -> dict[str, Any]: ...


def prospect_fields(prospect: ProspectLike) -> dict[str, str]:
    """The merge fields of a prospect: standard columns plus every custom CSV column."""
    fields = {str(k): "" if v is None else str(v) for k, v in (prospect.fields or {}).items()}
    fields.update(
        email=prospect.email,
        first_name=prospect.first_name or "",
        last_name=prospect.last_name or "",
        company=prospect.company or "",
        timezone=prospect.timezone or "",
    )
    return fields


def display_name(prospect: ProspectLike) -> str | None:
    name = " ".join(p for p in (prospect.first_name, prospect.last_name) if p)
    return name or None


def zone_of(timezone: str | None, sequence: Sequence) -> ZoneInfo:
    """The prospect's own timezone when known, else the sequence's default."""
    return ZoneInfo(timezone or sequence.schedule.timezone)


def prospect_zone(prospect: ProspectLike, sequence: Sequence) -> ZoneInfo:
    return zone_of(prospect.timezone, sequence)
