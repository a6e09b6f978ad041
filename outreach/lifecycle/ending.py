"""Ending, pausing and resuming enrollments: the person is the unit of stopping.

An answer, an opt-out, a hard bounce or a refusal is about a human being, not about one
thread: :func:`end_person` ends *every* live enrollment of the address, in every
campaign and mailbox, in the caller's transaction. The enrollment whose thread the
message answered gets the outcome itself (``replied`` …); the others are ``stopped``
with a reason naming it. Each event says which message caused the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from outreach.lifecycle.events import record
from outreach.lifecycle.queueing import first_pending_due, queue_next_steps
from outreach.lifecycle.tasks import cancel_tasks, hold_tasks, release_tasks
from outreach.lifecycle.values import Cause, EnrollmentRef, Subject
from outreach.states import ENDED_BY, LIVE, PENDING, EnrollmentState, EventKind, SendState
from outreach.store.repository import (
    ENROLLMENT,
    EVENT,
    SEND,
    cancel_pending,
    enrollments_of,
    live_enrollments_of,
    maybe_utc,
)


def live_refs(conn: Connection, where: Any) -> list[EnrollmentRef]:
    """The live enrollments ``where`` selects."""
    return [
        EnrollmentRef(
            row.id, row.campaign_id, row.prospect_id, row.mailbox_id, row.email, row.domain,
            row.state, row.campaign_name,
        )  # fmt: skip
        for row in conn.execute(live_enrollments_of(where))
    ]


def enrollment_refs(conn: Connection, where: Any) -> list[EnrollmentRef]:
    """The enrollments ``where`` selects, live or ended."""
    return [
        EnrollmentRef(
            row.id, row.campaign_id, row.prospect_id, row.mailbox_id, row.email, row.domain,
            row.state, row.campaign_name,
        )  # fmt: skip
        for row in conn.execute(enrollments_of(where))
    ]


def person_refs(conn: Connection, prospect_id: int) -> list[EnrollmentRef]:
    """Every live enrollment of one person (a prospect row is one address)."""
    return live_refs(conn, ENROLLMENT.c.prospect_id == prospect_id)


_END = (
    update(ENROLLMENT)
    .where(ENROLLMENT.c.id == bindparam("eid"), ENROLLMENT.c.state.in_(LIVE))
    .values(
        state=bindparam("new_state"),
        reason=bindparam("new_reason"),
        next_due_at=None,
        resume_at=None,
        updated_at=bindparam("at"),
    )
)


def end_enrollments(
    conn: Connection,
    refs: Sequence[EnrollmentRef],
    state: EnrollmentState,
    reason: str,
    cause: Cause,
    now: datetime,
    *,
    event: bool = True,
) -> list[int]:
    """End live enrollments for good; their queued sends and pending tasks are cancelled
    (a reply leaves tasks marked ``on_reply: continue``). Returns the ids that were still
    live (an enrollment ended meanwhile keeps its end)."""
    ended: list[int] = []
    for ref in refs:
        params = {"eid": ref.id, "new_state": state.value, "new_reason": reason, "at": now}
        if conn.execute(_END, params).rowcount:
            ended.append(ref.id)
            if event:
                record(
                    conn, ENDED_BY[state], ref.subject, inbound_id=cause.inbound_id, when=now,
                    reason=reason, **cause.data(),
                )  # fmt: skip
    if ended:
        conn.execute(cancel_pending(ended, f"enrollment {state.value}: {reason}", now))
        cancel_tasks(conn, ended, state, reason, now)
    return ended


def end_person(
    conn: Connection,
    prospect_id: int,
    state: EnrollmentState,
    reason: str,
    cause: Cause,
    now: datetime,
    *,
    answered: int | None = None,
) -> list[int]:
    """End every live enrollment of the person: ``answered`` (the enrollment whose thread
    the message concerns) becomes ``state``, the others ``stopped`` with a reason naming
    what happened where."""
    refs = person_refs(conn, prospect_id)
    own = [ref for ref in refs if ref.id == answered]
    others = [ref for ref in refs if ref.id != answered]
    ended = end_enrollments(conn, own, state, reason, cause, now)
    if state == EnrollmentState.UNSUBSCRIBED:  # an opt-out ends the calls kept after a reply
        replied = enrollment_refs(conn, (ENROLLMENT.c.prospect_id == prospect_id)
                                  & (ENROLLMENT.c.state == EnrollmentState.REPLIED.value))
        cancel_tasks(conn, [ref.id for ref in replied], state, reason, now)
    where = f" in campaign {cause.campaign}" if cause.campaign else ""
    return ended + end_enrollments(
        conn, others, EnrollmentState.STOPPED, f"{state.value}{where}: {reason}", cause, now
    )


def pause_until(
    conn: Connection,
    ref: EnrollmentRef,
    resume_at: datetime,
    cause: Cause,
    now: datetime,
    *,
    reason: str = "auto_reply",
) -> bool:
    """Pause a live enrollment until ``resume_at``; its queued sends move there so nothing
    leaves meanwhile. ``reason``: ``auto_reply`` (out of office) or ``not_now``."""
    paused = conn.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id == ref.id, ENROLLMENT.c.state.in_(LIVE))
        .values(
            state=EnrollmentState.PAUSED.value, reason=reason, resume_at=resume_at,
            next_due_at=resume_at, updated_at=now,
        )  # fmt: skip
    ).rowcount
    if not paused:
        return False
    conn.execute(
        update(SEND)
        .where(
            SEND.c.enrollment_id == ref.id,
            SEND.c.state.in_(PENDING),
            SEND.c.due_at < resume_at,
        )
        .values(due_at=resume_at, updated_at=now)
    )
    hold_tasks(conn, ref.id, resume_at, now)
    record(
        conn, EventKind.PAUSED, ref.subject, inbound_id=cause.inbound_id, when=now,
        resume_at=resume_at.isoformat(), reason=reason, **cause.data(),
    )  # fmt: skip
    return True


def count_soft_bounce(
    conn: Connection, ref: EnrollmentRef, count: int, cause: Cause, now: datetime
) -> int:
    """One more temporary delivery failure; returns the enrollment's count."""
    current = conn.execute(
        select(ENROLLMENT.c.soft_bounces).where(ENROLLMENT.c.id == ref.id)
    ).scalar_one()
    new = max(current + 1, count)
    conn.execute(update(ENROLLMENT).where(ENROLLMENT.c.id == ref.id).values(soft_bounces=new))
    record(
        conn, EventKind.SOFT_BOUNCE, ref.subject, inbound_id=cause.inbound_id, when=now,
        count=new,
    )  # fmt: skip
    return int(new)


def resume_due(conn: Connection, now: datetime) -> int:
    """Wake paused enrollments whose ``resume_at`` has passed; returns how many."""
    due = conn.execute(
        select(ENROLLMENT.c.id, ENROLLMENT.c.campaign_id, ENROLLMENT.c.prospect_id,
               ENROLLMENT.c.mailbox_id)
        .where(
            ENROLLMENT.c.state == EnrollmentState.PAUSED.value,
            ENROLLMENT.c.resume_at.is_not(None),
            ENROLLMENT.c.resume_at <= now,
        )
    ).all()  # fmt: skip
    for row in due:
        reactivate(conn, row.id, now, held_until=None)
        record(conn, EventKind.RESUMED, Subject(*row), when=now)
    return len(due)


def reactivate(
    conn: Connection, enrollment_id: int, now: datetime, *, held_until: datetime | None
) -> None:
    """Make an enrollment active again; sends held until ``held_until`` are due now, and
    the next step is queued when none is (the step in flight when it stopped never
    queued one)."""
    if held_until is not None:
        conn.execute(
            update(SEND)
            .where(
                SEND.c.enrollment_id == enrollment_id,
                SEND.c.state.in_(PENDING),
                SEND.c.due_at == held_until,
            )
            .values(due_at=now, updated_at=now)
        )
        release_tasks(conn, enrollment_id, held_until, None, now)
    pending = first_pending_due(conn, enrollment_id)
    conn.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id == enrollment_id)
        .values(
            state=EnrollmentState.ACTIVE.value, reason=None, resume_at=None, updated_at=now,
            next_due_at=pending,
        )  # fmt: skip
    )
    if pending is None:
        queue_next_steps(conn, [enrollment_id], None, now)


def reopen_ended_by(conn: Connection, inbound_id: int, now: datetime) -> list[int]:
    """Undo what one inbound message did to enrollments: each enrollment whose current
    state that message set becomes active again (cancelled follow-ups come back)."""
    rows = conn.execute(
        select(EVENT.c.enrollment_id, EVENT.c.kind)
        .where(EVENT.c.inbound_id == inbound_id, EVENT.c.enrollment_id.is_not(None))
        .where(EVENT.c.kind.in_([*ENDED_BY.values(), EventKind.PAUSED]))
    ).all()
    reopened: list[int] = []
    for enrollment_id, kind in rows:
        if _reopen(conn, enrollment_id, kind, inbound_id, now):
            reopened.append(enrollment_id)
    return reopened


_STATE_EVENTS = (
    EventKind.REPLIED, EventKind.STOPPED, EventKind.BOUNCED, EventKind.UNSUBSCRIBED,
    EventKind.PAUSED, EventKind.RESUMED, EventKind.REOPENED,
)  # fmt: skip
"""Events that set an enrollment's state: the last one says who set it."""


def _reopen(conn: Connection, enrollment_id: int, kind: str, inbound_id: int,
            now: datetime) -> bool:  # fmt: skip
    last = conn.execute(
        select(EVENT.c.kind, EVENT.c.inbound_id)
        .where(EVENT.c.enrollment_id == enrollment_id, EVENT.c.kind.in_(_STATE_EVENTS))
        .order_by(EVENT.c.id.desc())
        .limit(1)
    ).first()
    enrollment = conn.execute(
        select(ENROLLMENT.c.state, ENROLLMENT.c.resume_at, ENROLLMENT.c.campaign_id,
               ENROLLMENT.c.prospect_id, ENROLLMENT.c.mailbox_id)
        .where(ENROLLMENT.c.id == enrollment_id)
    ).one()  # fmt: skip
    if last is None or last.inbound_id != inbound_id or last.kind != enrollment.state:
        return False
    if enrollment.state != EnrollmentState.PAUSED:
        conn.execute(
            update(SEND)
            .where(
                SEND.c.enrollment_id == enrollment_id,
                SEND.c.state == SendState.CANCELLED.value,
                SEND.c.error.like(f"enrollment {enrollment.state}:%"),
            )
            .values(state=SendState.SCHEDULED.value, error=None, updated_at=now)
        )
        release_tasks(conn, enrollment_id, None, enrollment.state, now)
    reactivate(conn, enrollment_id, now, held_until=maybe_utc(enrollment.resume_at))
    subject = Subject(
        enrollment.campaign_id, enrollment_id, enrollment.prospect_id, enrollment.mailbox_id
    )
    record(conn, EventKind.REOPENED, subject, inbound_id=inbound_id, when=now, was=kind)
    return True


def reopen_invalid(conn: Connection, enrollment_ids: Sequence[int], now: datetime) -> list[int]:
    """Enrollments of a draft campaign ended ``invalid`` that a new verification no longer
    finds undeliverable are active again (nothing is queued before the campaign starts).
    Returns the ids reopened."""
    reopened: list[int] = []
    for enrollment_id in enrollment_ids:
        row = conn.execute(
            select(ENROLLMENT).where(
                ENROLLMENT.c.id == enrollment_id,
                ENROLLMENT.c.state == EnrollmentState.INVALID.value,
                ENROLLMENT.c.steps_sent == 0,
            )
        ).first()
        if row is None:
            continue
        conn.execute(
            update(ENROLLMENT)
            .where(ENROLLMENT.c.id == enrollment_id)
            .values(state=EnrollmentState.ACTIVE.value, reason=None, updated_at=now)
        )
        about = Subject(row.campaign_id, row.id, row.prospect_id, row.mailbox_id)
        record(conn, EventKind.REOPENED, about, when=now, reason="verified again", at="verify")
        reopened.append(enrollment_id)
    return reopened
