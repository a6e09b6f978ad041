"""Is an engine sending from this database, and where? (``engine_presence``)

"here" means this process hosts one (the TUI's in-process engine). "elsewhere" is read
from the ``EngineInstance`` heartbeat table every engine keeps fresh
(:mod:`outreach.engine.presence`); a heartbeat older than :data:`STALE_AFTER` counts as
a dead engine.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from outreach.engine.health import database_problem
from outreach.engine.presence import LEASE_TTL, EngineInfo, running_engines
from outreach.i18n import _
from outreach.views.common import aware

PresenceState = Literal["here", "elsewhere", "stopped"]
STALE_AFTER = LEASE_TTL * 2  # as `outreach status` judges an engine alive


@dataclass(frozen=True)
class EnginePresence:
    """Where the engine for this database runs, as the dashboard shows it."""

    state: PresenceState
    detail: str = ""
    """Who and where, e.g. ``daemon on tomasz-vps (pid 4242)``."""
    heartbeat_at: datetime | None = None
    problem: str | None = None
    """Why nothing can send (the database cannot be written), or None."""


def engine_presence(db: Engine, now: datetime, *, running_here: bool) -> EnginePresence:
    """ "here" when this process runs one, else the freshest live heartbeat of another;
    with the reason the database cannot be written, if it cannot."""
    return replace(_where(db, now, running_here), problem=database_problem(db))


def _where(db: Engine, now: datetime, running_here: bool) -> EnginePresence:
    if running_here:
        return EnginePresence("here", _("in this window (stops when you quit)"))
    others = _alive_others(db, now)
    if not others:
        return EnginePresence("stopped", _("no engine sends from this database"))
    first = others[0]
    detail = _("{kind} on {host} (pid {pid})").format(
        kind=first.kind, host=first.host, pid=first.pid)
    if len(others) > 1:
        detail += " " + _("and {count} more").format(count=len(others) - 1)
    return EnginePresence("elsewhere", detail, aware(first.heartbeat_at))


def _alive_others(db: Engine, now: datetime) -> list[EngineInfo]:
    """Engines of other processes with a fresh heartbeat, freshest first."""
    try:
        engines = running_engines(db)
    except SQLAlchemyError:  # a database from before the heartbeat table
        return []
    return [
        e
        for e in engines
        if (aware(e.heartbeat_at) or now) >= now - STALE_AFTER and not _is_this_process(e)
    ]


def _is_this_process(engine: EngineInfo) -> bool:
    return engine.pid == os.getpid() and engine.host == socket.gethostname()
