"""Enrolling prospects in a campaign, with the guards every surface shares.

A prospect is skipped (and told why) when the address is suppressed, or when the person
is live in another campaign — being written to from two threads at once is what a cold
prospect notices first. ``include_active`` enrolls the latter anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session

from outreach import wording
from outreach.i18n import _
from outreach.lifecycle.events import record
from outreach.lifecycle.queueing import queue_next_steps
from outreach.lifecycle.snapshots import sequence_for
from outreach.lifecycle.values import Subject
from outreach.prospects.suppression import suppressions_for
from outreach.states import LIVE, RUNNING, EnrollmentState, EventKind
from outreach.store.repository import CAMPAIGN, ENROLLMENT, INSERT_ENROLLMENT

CHUNK = 500


@dataclass(frozen=True)
class Candidate:
    """A prospect that may be enrolled."""

    id: int
    email: str


@dataclass(frozen=True)
class Skipped:
    """A prospect not enrolled, and why (``already in campaign q1 (step 2 of 3)``)."""

    email: str
    reason: str
    why: str
    """``suppressed`` | ``active_elsewhere`` | ``already_enrolled``"""


@dataclass(frozen=True)
class Screened:
    eligible: tuple[Candidate, ...]
    skipped: tuple[Skipped, ...]


def screen(
    conn: Connection,
    campaign_id: int,
    candidates: Sequence[Candidate],
    *,
    include_active: bool = False,
) -> Screened:
    """Who of ``candidates`` may be enrolled in the campaign, and why the others not."""
    with Session(bind=conn) as session:
        blocked = suppressions_for(session, [c.email for c in candidates])
    live = live_elsewhere(conn, [c.id for c in candidates], campaign_id)
    already = _enrollment_ids(conn, campaign_id, [c.id for c in candidates])
    eligible: list[Candidate] = []
    skipped: list[Skipped] = []
    for candidate in candidates:
        hit = blocked.get(candidate.email)
        if candidate.id in already:
            skipped.append(
                Skipped(candidate.email, _("already in this campaign"), "already_enrolled")
            )
        elif hit is not None:
            skipped.append(
                Skipped(candidate.email, _("suppressed ({reason}: {value})").format(
                    reason=wording.suppression_reason(hit.reason), value=hit.value), "suppressed")
            )
        elif candidate.id in live and not include_active:
            skipped.append(Skipped(candidate.email, live[candidate.id], "active_elsewhere"))
        else:
            eligible.append(candidate)
    return Screened(tuple(eligible), tuple(skipped))


def live_elsewhere(
    conn: Connection, prospect_ids: Iterable[int], campaign_id: int | None
) -> dict[int, str]:
    """For each prospect live in another started (active or paused) campaign: ``already in
    campaign q1 (step 2 of 3)`` (every such campaign, comma-separated). A draft writes to
    nobody yet, so it does not count."""
    found: dict[int, list[str]] = defaultdict(list)
    ids = list(prospect_ids)
    for start in range(0, len(ids), CHUNK):
        query = (
            select(
                ENROLLMENT.c.prospect_id, ENROLLMENT.c.next_step, ENROLLMENT.c.state,
                CAMPAIGN.c.id, CAMPAIGN.c.name, CAMPAIGN.c.sequence_hash,
            )  # fmt: skip
            .select_from(ENROLLMENT.join(CAMPAIGN, CAMPAIGN.c.id == ENROLLMENT.c.campaign_id))
            .where(
                ENROLLMENT.c.prospect_id.in_(ids[start : start + CHUNK]),
                ENROLLMENT.c.state.in_(LIVE),
                CAMPAIGN.c.state.in_(RUNNING),
            )
            .order_by(ENROLLMENT.c.id)
        )
        if campaign_id is not None:
            query = query.where(ENROLLMENT.c.campaign_id != campaign_id)
        for row in conn.execute(query):
            total = len(sequence_for(conn, row.id, row.sequence_hash).steps)
            step = min(row.next_step + 1, total)
            where = (_("{campaign} (step {step} of {total}, paused)")
                     if row.state == EnrollmentState.PAUSED
                     else _("{campaign} (step {step} of {total})"))
            found[row.prospect_id].append(where.format(campaign=row.name, step=step, total=total))
    return {
        pid: _("already in campaign {campaigns}").format(campaigns=", ".join(names))
        for pid, names in found.items()
    }


def enroll(
    conn: Connection,
    campaign_id: int,
    mailbox_of: Mapping[int, int],
    now: datetime,
    *,
    queue: bool,
    source: str | None = None,
) -> list[int]:
    """Enroll prospects (id → the mailbox sticky for their thread); with ``queue`` their
    first step is queued at once (the campaign is running). ``source`` records an
    ``enrolled`` event per prospect. Returns the new enrollment ids."""
    rows: list[dict[str, Any]] = [
        {
            "campaign_id": campaign_id, "prospect_id": pid, "mailbox_id": box,
            "state": EnrollmentState.ACTIVE.value, "steps_sent": 0, "next_step": 0,
            "soft_bounces": 0, "created_at": now, "updated_at": now,
        }  # fmt: skip
        for pid, box in mailbox_of.items()
    ]
    if not rows:
        return []
    conn.execute(INSERT_ENROLLMENT, rows)
    ids = _enrollment_ids(conn, campaign_id, list(mailbox_of))
    if queue:
        queue_next_steps(conn, ids.values(), now, now)
    if source is not None:
        for pid, eid in ids.items():
            subject = Subject(campaign_id, eid, pid, mailbox_of[pid])
            record(conn, EventKind.ENROLLED, subject, when=now, source=source)
    return list(ids.values())


def _enrollment_ids(conn: Connection, campaign_id: int, prospect_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(prospect_ids), CHUNK):
        query = select(ENROLLMENT.c.prospect_id, ENROLLMENT.c.id).where(
            ENROLLMENT.c.campaign_id == campaign_id,
            ENROLLMENT.c.prospect_id.in_(prospect_ids[start : start + CHUNK]),
        )
        found.update((row[0], row[1]) for row in conn.execute(query))
    return found


def queue_first_steps(conn: Connection, campaign_id: int, now: datetime) -> int:
    """Queue the first step of every active enrollment of a campaign being started."""
    ids = conn.execute(
        select(ENROLLMENT.c.id).where(
            ENROLLMENT.c.campaign_id == campaign_id,
            ENROLLMENT.c.state == EnrollmentState.ACTIVE.value,
        )
    ).scalars()
    return queue_next_steps(conn, list(ids), now, now)
