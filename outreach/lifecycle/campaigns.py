"""Campaign states (draft → active ⇄ paused → archived) and the bounce-rate guard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from outreach.lifecycle.events import record
from outreach.lifecycle.values import Subject
from outreach.planner.windows import after_wait, next_open
from outreach.sequences import Sequence
from outreach.sequences.prospect import zone_of
from outreach.states import PENDING, TASK_PENDING, EventKind, TaskState
from outreach.store.models import as_utc
from outreach.store.repository import CAMPAIGN, ENROLLMENT, PROSPECT, SEND, TASK

BOUNCE_WINDOW = 50
BOUNCE_THRESHOLD = 0.05
CAMPAIGN_EVENTS = {
    "active": EventKind.CAMPAIGN_ACTIVE,
    "paused": EventKind.CAMPAIGN_PAUSED,
    "archived": EventKind.CAMPAIGN_ARCHIVED,
}


def set_campaign_state(
    conn: Connection, campaign_id: int, state: str, reason: str | None, now: datetime
) -> None:
    """Pause, resume (→ active) or archive a campaign, with its event."""
    conn.execute(
        update(CAMPAIGN)
        .where(CAMPAIGN.c.id == campaign_id)
        .values(state=state, pause_reason=reason if state == "paused" else None)
    )
    record(conn, CAMPAIGN_EVENTS[state], Subject(campaign_id=campaign_id), when=now, reason=reason)


def mark_started(conn: Connection, campaign_id: int, queued: int, now: datetime) -> None:
    conn.execute(
        update(CAMPAIGN)
        .where(CAMPAIGN.c.id == campaign_id)
        .values(state="active", started_at=now)
    )
    record(conn, EventKind.CAMPAIGN_STARTED, Subject(campaign_id=campaign_id), when=now,
           queued=queued)  # fmt: skip


def check_bounce_rate(
    conn: Connection,
    campaign_id: int,
    now: datetime,
    window: int = BOUNCE_WINDOW,
    limit: float = BOUNCE_THRESHOLD,
) -> bool:
    """Pause the campaign when bounces exceed ``limit`` of its last ``window`` sends."""
    recent = conn.execute(
        select(ENROLLMENT.c.state)
        .select_from(SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id))
        .where(SEND.c.campaign_id == campaign_id, SEND.c.state.in_(("sent", "failed")))
        .order_by(SEND.c.updated_at.desc())
        .limit(window)
    ).scalars().all()
    bounced = sum(state == "bounced" for state in recent)
    if bounced / window <= limit:
        return False
    state = conn.execute(select(CAMPAIGN.c.state).where(CAMPAIGN.c.id == campaign_id)).scalar()
    if state != "active":
        return False
    reason = bounce_pause_reason(bounced, len(recent), window, limit)
    set_campaign_state(conn, campaign_id, "paused", reason, now)
    return True


def bounce_pause_reason(bounced: int, seen: int, window: int, limit: float) -> str:
    """Why a campaign was paused for bounces, with the base of the percentage: ``3 of the
    last 50 sends bounced (6 %, limit 5 %)``; before ``window`` sends the rate is still a
    share of the whole window, and says so. Stored with the campaign, so English;
    :func:`outreach.wording.pause_reason` words it for the rep."""
    share = f"{_percent(bounced / window)} %"
    if seen >= window:
        counted = f"{bounced} of the last {window} sends bounced ({share}"
    else:
        counted = f"{bounced} of the first {seen} sends bounced ({share} of a {window}-send window"
    return (f"{counted}, limit {_percent(limit)} %): check the prospect list, "
            "then `outreach campaign resume`")


def _percent(share: float) -> str:
    return f"{share * 100:.3g}"


def requeue_for_sequence(
    conn: Connection, campaign_id: int, new: Sequence, changes: list[str], now: datetime
) -> int:
    """After ``campaign update``: queued sends follow the new waits; those past the new
    last step are cancelled (their enrollment finished). Returns how many were cancelled."""
    pending = conn.execute(
        select(
            SEND.c.id, SEND.c.step_index, SEND.c.enrollment_id, PROSPECT.c.timezone
        )
        .select_from(SEND.join(PROSPECT, PROSPECT.c.id == SEND.c.prospect_id))
        .where(SEND.c.campaign_id == campaign_id, SEND.c.state.in_(PENDING))
    ).all()  # fmt: skip
    cancelled = 0
    for row in pending:
        if row.step_index >= len(new.steps):
            _cancel_removed_step(conn, row.id, row.enrollment_id, now)
            cancelled += 1
        elif row.step_index > 0:
            _follow_new_wait(conn, row, new, now)
    removed_tasks = conn.execute(
        select(TASK.c.id, TASK.c.enrollment_id).where(
            TASK.c.campaign_id == campaign_id, TASK.c.state.in_(TASK_PENDING),
            TASK.c.step_index >= len(new.steps),
        )
    ).all()  # fmt: skip
    for task_id, enrollment_id in removed_tasks:  # a task step removed: as a removed email
        conn.execute(
            update(TASK).where(TASK.c.id == task_id)
            .values(state=TaskState.CANCELLED.value, reason="step removed by campaign update",
                    updated_at=now)
        )  # fmt: skip
        conn.execute(
            update(ENROLLMENT).where(ENROLLMENT.c.id == enrollment_id)
            .values(state="finished", next_due_at=None, updated_at=now)
        )  # fmt: skip
        cancelled += 1
    record(conn, EventKind.CAMPAIGN_UPDATED, Subject(campaign_id=campaign_id), when=now,
           changes=changes)  # fmt: skip
    return cancelled


def _cancel_removed_step(conn: Connection, send_id: int, enrollment_id: int, now: datetime) -> None:
    conn.execute(
        update(SEND)
        .where(SEND.c.id == send_id)
        .values(state="cancelled", error="step removed by campaign update", updated_at=now)
    )
    conn.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id == enrollment_id)
        .values(state="finished", next_due_at=None, updated_at=now)
    )


def _follow_new_wait(conn: Connection, row: Any, new: Sequence, now: datetime) -> None:
    previous = conn.execute(
        select(SEND.c.sent_at).where(
            SEND.c.enrollment_id == row.enrollment_id, SEND.c.step_index == row.step_index - 1
        )
    ).scalar()
    if previous is None:
        return
    tz = zone_of(row.timezone, new)
    wait = new.steps[row.step_index].wait
    due = next_open(new.schedule, tz, after_wait(wait, as_utc(previous), tz))
    conn.execute(update(SEND).where(SEND.c.id == row.id).values(due_at=due, updated_at=now))
    conn.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id == row.enrollment_id)
        .values(next_due_at=due, updated_at=now)
    )
