"""Suppress-and-stop: an address or ``@domain`` put on the suppression list stops at once.

CLI ``suppress add``/``import``, the TUI and the watcher (opt-outs, bounces) all go
through :func:`suppress_and_stop`: the list gets the values and every live enrollment
they cover ends (``stopped``) in the same transaction, so the rule cannot differ by
where the suppression was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func
from sqlmodel import Session

from outreach.lifecycle.ending import end_enrollments, live_refs
from outreach.lifecycle.values import Cause
from outreach.prospects.suppression import SuppressOutcome, add_suppressions
from outreach.states import EnrollmentState
from outreach.store.repository import PROSPECT


@dataclass(frozen=True)
class Suppressed:
    """What suppressing did: one outcome per value and the enrollments it stopped."""

    outcomes: tuple[SuppressOutcome, ...]
    stopped: tuple[int, ...]


def suppress_values(
    conn: Connection, values: Sequence[str], reason: str, source: str | None
) -> list[SuppressOutcome]:
    """Add normalized ``values`` to the suppression list (existing ones are kept as is)."""
    with Session(bind=conn) as session:
        found = add_suppressions(session, values, reason=reason, source=source)
        session.flush()
    return found


def suppress_and_stop(
    conn: Connection,
    values: Sequence[str],
    reason: str,
    source: str | None,
    cause: Cause,
    now: datetime,
) -> Suppressed:
    """Suppress normalized ``values`` and end every live enrollment they cover."""
    outcomes = suppress_values(conn, values, reason, source)
    stopped: list[int] = []
    for value in values:
        stopped += stop_covered(conn, value, f"suppressed ({reason})", cause, now)
    return Suppressed(tuple(outcomes), tuple(stopped))


def stop_covered(
    conn: Connection, value: str, why: str, cause: Cause, now: datetime
) -> list[int]:
    """End the live enrollments a suppression value covers (an address or ``@domain``)."""
    if value.startswith("@"):
        where = PROSPECT.c.domain == value[1:]
    else:
        where = func.lower(PROSPECT.c.email) == value.lower()
    return end_enrollments(conn, live_refs(conn, where), EnrollmentState.STOPPED, why, cause, now)
