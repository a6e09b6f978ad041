"""Queueing steps: the next step of an enrollment becomes a send row with a due time.

A send row is created for an enrollment's next step only (when the enrollment starts or
its previous step was sent), with its Message-ID already fixed and ``due_at`` the moment
its wait is over and the prospect's window is open. Pacing (gaps, caps, throttles) is
decided at send time by the mailbox's pacer. A task step (call, LinkedIn, custom) becomes
a task row instead, its note rendered for the prospect; it counts against no cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, func, select, update

from outreach.lifecycle.facts import ProspectFacts
from outreach.lifecycle.snapshots import sequence_for
from outreach.lifecycle.values import Subject
from outreach.mailbox.thread import new_message_id
from outreach.planner.windows import after_wait, next_open
from outreach.sequences import Sequence, TemplateRenderError, choose_variant, render_note
from outreach.sequences.prospect import prospect_fields, zone_of
from outreach.states import PENDING, TASK_PENDING, EnrollmentState, SendState, TaskState
from outreach.store.repository import (
    CAMPAIGN,
    ENROLLMENT,
    INSERT_SEND,
    INSERT_TASK,
    MAILBOX,
    PROSPECT,
    SEND,
    TASK,
    maybe_utc,
)


@dataclass(frozen=True)
class NextStep:
    """The send row to queue for an enrollment's next step."""

    index: int
    variant: int
    due_at: datetime
    message_id: str


def plan_step(
    sequence: Sequence,
    index: int,
    tz: ZoneInfo,
    prospect_email: str,
    campaign_name: str,
    sender: str,
    after: datetime,
) -> NextStep | None:
    """Step ``index`` due once its wait after ``after`` is over; None past the last step."""
    if index >= len(sequence.steps):
        return None
    step = sequence.steps[index]
    eligible = after_wait(step.wait, after, tz) if index else after
    return NextStep(
        index=index,
        variant=choose_variant(prospect_email, campaign_name, step),
        due_at=next_open(sequence.schedule, tz, eligible),
        message_id=new_message_id(sender),
    )


def send_row(ids: Subject, planned: NextStep, now: datetime) -> dict[str, Any]:
    """The values of a new send row."""
    return {
        "enrollment_id": ids.enrollment_id, "campaign_id": ids.campaign_id,
        "mailbox_id": ids.mailbox_id, "prospect_id": ids.prospect_id,
        "step_index": planned.index, "variant": planned.variant,
        "state": SendState.SCHEDULED.value, "due_at": planned.due_at,
        "message_id": planned.message_id, "attempts": 0, "appended_to_sent": False,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def task_row(
    ids: Subject, planned: NextStep, sequence: Sequence, prospect: ProspectFacts, now: datetime
) -> dict[str, Any]:
    """The values of a new task row: the step's note rendered for the prospect (a note
    that cannot be rendered is kept as written, with why, rather than losing the task)."""
    step = sequence.steps[planned.index]
    assert step.task is not None, "only a task step becomes a task row"
    try:
        note = render_note(sequence, planned.index, prospect_fields(prospect))
    except TemplateRenderError as exc:
        note = f"{step.task.note.strip()}\n({exc}: {'; '.join(exc.problems)})"
    return {
        "enrollment_id": ids.enrollment_id, "campaign_id": ids.campaign_id,
        "mailbox_id": ids.mailbox_id, "prospect_id": ids.prospect_id,
        "step_index": planned.index, "kind": step.task.kind, "note": note,
        "state": TaskState.SCHEDULED.value, "due_at": planned.due_at, "expires_at": None,
        "keep_on_reply": step.task.continue_on_reply, "created_at": now, "updated_at": now,
    }  # fmt: skip


def insert_step(
    conn: Connection, ids: Subject, planned: NextStep, sequence: Sequence,
    prospect: ProspectFacts, now: datetime,
) -> None:  # fmt: skip
    """Queue one planned step: a send row for an email, a task row for a task."""
    if sequence.steps[planned.index].is_task:
        conn.execute(INSERT_TASK, task_row(ids, planned, sequence, prospect, now))
    else:
        conn.execute(INSERT_SEND, send_row(ids, planned, now))


_SET_DUE = (
    update(ENROLLMENT)
    .where(ENROLLMENT.c.id == bindparam("eid"))
    .values(next_due_at=bindparam("due"), updated_at=bindparam("at"))
)
_FINISH = (
    update(ENROLLMENT)
    .where(ENROLLMENT.c.id == bindparam("eid"))
    .values(state=EnrollmentState.FINISHED.value, next_due_at=None, updated_at=bindparam("at"))
)
_CONTEXT = (
    select(
        ENROLLMENT.c.id, ENROLLMENT.c.campaign_id, ENROLLMENT.c.prospect_id,
        ENROLLMENT.c.mailbox_id, ENROLLMENT.c.next_step, PROSPECT.c.email, PROSPECT.c.timezone,
        PROSPECT.c.domain, PROSPECT.c.first_name, PROSPECT.c.last_name, PROSPECT.c.company,
        PROSPECT.c.fields, CAMPAIGN.c.name, CAMPAIGN.c.sequence_hash,
        MAILBOX.c.email.label("sender"),
    )  # fmt: skip
    .select_from(
        ENROLLMENT.join(PROSPECT, PROSPECT.c.id == ENROLLMENT.c.prospect_id)
        .join(CAMPAIGN, CAMPAIGN.c.id == ENROLLMENT.c.campaign_id)
        .join(MAILBOX, MAILBOX.c.id == ENROLLMENT.c.mailbox_id)
    )
)


def queue_next_steps(
    conn: Connection, enrollment_ids: Iterable[int], after: datetime | None, now: datetime
) -> int:
    """Queue each enrollment's ``next_step`` (none already queued); finish those past the
    last step. ``after``: when the previous step counts as sent (None: its ``sent_at``, or
    now). Returns how many sends were queued."""
    ids = list(enrollment_ids)
    queued: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    due: list[dict[str, Any]] = []
    finished: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        have = _already_queued(conn, chunk)
        last_sent = {} if after is not None else _last_sent(conn, chunk)
        for row in conn.execute(_CONTEXT.where(ENROLLMENT.c.id.in_(chunk))):
            if row.id in have:
                continue
            sequence = sequence_for(conn, row.campaign_id, row.sequence_hash)
            base = after or last_sent.get(row.id) or now
            planned = plan_step(
                sequence, row.next_step, zone_of(row.timezone, sequence), row.email, row.name,
                row.sender, base,
            )  # fmt: skip
            if planned is None:
                finished.append({"eid": row.id, "at": now})
                continue
            ids_of = Subject(row.campaign_id, row.id, row.prospect_id, row.mailbox_id)
            if sequence.steps[planned.index].is_task:
                prospect = ProspectFacts(
                    row.prospect_id, row.email, row.domain, row.first_name, row.last_name,
                    row.company, row.timezone, row.fields or {},
                )  # fmt: skip
                tasks.append(task_row(ids_of, planned, sequence, prospect, now))
            else:
                queued.append(send_row(ids_of, planned, now))
            due.append({"eid": row.id, "due": planned.due_at, "at": now})
    if queued:
        conn.execute(INSERT_SEND, queued)
    if tasks:
        conn.execute(INSERT_TASK, tasks)
    if due:
        conn.execute(_SET_DUE, due)
    if finished:
        conn.execute(_FINISH, finished)
    return len(queued) + len(tasks)


def _already_queued(conn: Connection, ids: list[int]) -> set[int]:
    query = select(SEND.c.enrollment_id).where(
        SEND.c.enrollment_id.in_(ids),
        SEND.c.state.in_((*PENDING, SendState.SENDING.value)),
    )
    tasks = select(TASK.c.enrollment_id).where(
        TASK.c.enrollment_id.in_(ids), TASK.c.state.in_(TASK_PENDING)
    )
    return set(conn.execute(query).scalars()) | set(conn.execute(tasks).scalars())


def _last_sent(conn: Connection, ids: list[int]) -> dict[int, datetime]:
    query = (
        select(SEND.c.enrollment_id, func.max(SEND.c.sent_at))
        .where(SEND.c.enrollment_id.in_(ids))
        .group_by(SEND.c.enrollment_id)
    )
    return {eid: at for eid, value in conn.execute(query) if (at := maybe_utc(value))}


def first_pending_due(conn: Connection, enrollment_id: int) -> datetime | None:
    """When the enrollment's earliest queued send (or pending task) is due."""
    query = select(func.min(SEND.c.due_at)).where(
        SEND.c.enrollment_id == enrollment_id, SEND.c.state.in_(PENDING)
    )
    task = select(func.min(TASK.c.due_at)).where(
        TASK.c.enrollment_id == enrollment_id, TASK.c.state.in_(TASK_PENDING)
    )
    found = [at for at in (maybe_utc(conn.execute(query).scalar()),
                           maybe_utc(conn.execute(task).scalar())) if at is not None]
    return min(found, default=None)
