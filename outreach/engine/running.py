"""Which engines run on this database: their heartbeat rows and the mailboxes they lease.

Read through a :class:`~outreach.store.reading.Reader` (no SQLAlchemy needed), so
``outreach status`` answers at once; :mod:`outreach.engine.presence` writes these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from outreach.store.reading import Reader, reader_of, time, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine

LEASE_TTL = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)


@dataclass(frozen=True)
class EngineInfo:
    id: str
    host: str
    pid: int
    kind: str
    started_at: datetime
    heartbeat_at: datetime
    mailboxes: tuple[str, ...]

    @property
    def alive(self) -> bool:
        return utcnow() - self.heartbeat_at < LEASE_TTL * 2


def running_engines(db: Engine | Reader) -> list[EngineInfo]:
    """Engines that have not said goodbye, newest heartbeat first."""
    reader = reader_of(db)
    rows = reader.rows(
        "SELECT id, host, pid, kind, started_at, heartbeat_at FROM engineinstance"
        " WHERE stopped_at IS NULL ORDER BY heartbeat_at DESC"
    )
    held = reader.rows(
        "SELECT l.holder, m.email FROM mailboxlease l JOIN mailbox m ON m.id = l.mailbox_id"
        " WHERE l.expires_at > :now",
        {"now": utcnow()},
    )
    boxes: dict[str, list[str]] = {}
    for holder, email in held:
        boxes.setdefault(holder or "", []).append(email)
    return [
        EngineInfo(
            engine_id, host, int(pid), kind, time(started) or utcnow(),
            time(heartbeat) or utcnow(), tuple(sorted(boxes.get(engine_id, []))),
        )
        for engine_id, host, pid, kind, started, heartbeat in rows
    ]  # fmt: skip
