"""Plain values derived from store rows, shared by campaigns, the plan and the engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from outreach.planner.windows import zone
from outreach.sequences import Sequence, from_snapshot
from outreach.store.models import Campaign


class ProspectLike(Protocol):
    """A prospect row, or the engine's plain copy of one."""

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


def prospect_zone(prospect: ProspectLike, sequence: Sequence) -> ZoneInfo:
    """The prospect's own timezone when known, else the sequence's default."""
    return zone(prospect.timezone or sequence.schedule.timezone)


_SEQUENCES: dict[str, Sequence] = {}


def campaign_sequence(campaign: Campaign) -> Sequence:
    """The sequence snapshot the campaign was started with (parsed once per hash)."""
    cached = _SEQUENCES.get(campaign.sequence_hash)
    if cached is None:
        cached = _SEQUENCES[campaign.sequence_hash] = from_snapshot(campaign.sequence)
    return cached


def sequence_for(conn: Connection | Session, campaign_id: int, digest: str) -> Sequence:
    """A campaign's sequence by its hash (loaded once per hash), from a Core connection or a
    session."""
    cached = _SEQUENCES.get(digest)
    if cached is None:
        query = select(col(Campaign.sequence)).where(col(Campaign.id) == campaign_id)
        cached = _SEQUENCES[digest] = from_snapshot(conn.execute(query).scalar_one())
    return cached


def display_name(prospect: ProspectLike) -> str | None:
    name = " ".join(p for p in (prospect.first_name, prospect.last_name) if p)
    return name or None


def as_utc(value: datetime) -> datetime:
    """Stored datetimes come back aware from SQLModel; tolerate naive ones as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
