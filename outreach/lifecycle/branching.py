"""What a step's ``when:`` looks at, read from the database for one enrollment.

:func:`branch_facts` gathers the facts (last task outcome, replies, a "not now" resume, an
out-of-office since the previous step); :func:`outreach.sequences.condition_holds` decides.
Read only: the engine, the task list and ``campaign plan`` use it alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from outreach.sequences import BranchFacts
from outreach.states import ReplyIntent, SendState, TaskState
from outreach.store.repository import INBOUND, SEND, TASK, maybe_utc

_KIND = func.coalesce(INBOUND.c.manual_kind, INBOUND.c.kind)
_INTENT = func.coalesce(INBOUND.c.manual_intent, INBOUND.c.intent)
_RAN = (TaskState.DONE.value, TaskState.EXPIRED.value)


def branch_facts(conn: Connection, enrollment_id: int, step_index: int) -> BranchFacts:
    """The facts a condition on step ``step_index`` of this enrollment decides on."""
    last_task = conn.execute(
        select(TASK.c.state, TASK.c.outcome)
        .where(TASK.c.enrollment_id == enrollment_id, TASK.c.step_index < step_index,
               TASK.c.state.in_(_RAN))
        .order_by(TASK.c.step_index.desc())
        .limit(1)
    ).first()  # fmt: skip
    outcome = None
    if last_task is not None:
        outcome = "skipped" if last_task.state == TaskState.EXPIRED else last_task.outcome
    replies = conn.execute(
        select(_INTENT).where(INBOUND.c.enrollment_id == enrollment_id, _KIND == "reply")
    ).scalars().all()
    previous = _previous_step_at(conn, enrollment_id, step_index)
    auto_reply = select(func.count()).where(
        INBOUND.c.enrollment_id == enrollment_id, _KIND == "auto_reply"
    )
    if previous is not None:
        auto_reply = auto_reply.where(INBOUND.c.created_at >= previous)
    return BranchFacts(
        last_task_outcome=outcome,
        replied=any(intent != ReplyIntent.NOT_NOW for intent in replies),
        resumed_after_not_now=any(intent == ReplyIntent.NOT_NOW for intent in replies),
        auto_reply_since_previous=bool(conn.execute(auto_reply).scalar()),
    )


def _previous_step_at(conn: Connection, enrollment_id: int, step_index: int) -> datetime | None:
    """When the step before ``step_index`` was sent or done (the latest of them)."""
    sent = conn.execute(
        select(func.max(SEND.c.sent_at)).where(
            SEND.c.enrollment_id == enrollment_id, SEND.c.step_index < step_index,
            SEND.c.state == SendState.SENT.value,
        )
    ).scalar()  # fmt: skip
    done = conn.execute(
        select(func.max(TASK.c.done_at)).where(
            TASK.c.enrollment_id == enrollment_id, TASK.c.step_index < step_index
        )
    ).scalar()
    found = [at for at in (maybe_utc(sent), maybe_utc(done)) if at is not None]
    return max(found, default=None)
