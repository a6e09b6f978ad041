"""Task steps (call, LinkedIn, custom): due, done, expired, skipped, cancelled.

A task row is queued like a send (see :mod:`outreach.lifecycle.queueing`) and owned by the
enrollment's mailbox. :func:`settle_tasks` opens the tasks whose time has come (their
``when:`` checked then: a step whose condition fails is skipped, with an event, and the
next step is considered) and expires open tasks not done within ``due_within`` (counted as
skipped; the sequence goes on). :func:`complete_task` records the rep's outcome. Every
change advances the enrollment past the step and queues its next one, as a sent email does.
A step skipped for its condition is the same for an email (:func:`skip_step`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, or_, select, update

from outreach.errors import NotFoundError, ValidationFailed
from outreach.i18n import _
from outreach.lifecycle.branching import branch_facts
from outreach.lifecycle.events import record
from outreach.lifecycle.facts import ProspectFacts
from outreach.lifecycle.queueing import insert_step, plan_step
from outreach.lifecycle.snapshots import sequence_for
from outreach.lifecycle.values import Cause, Subject
from outreach.planner.windows import after_wait
from outreach.sequences import Sequence, condition_holds
from outreach.sequences.prospect import zone_of
from outreach.states import (
    TASK_PENDING,
    EnrollmentState,
    EventKind,
    TaskOutcome,
    TaskState,
)
from outreach.store.repository import (
    CAMPAIGN,
    ENROLLMENT,
    MAILBOX,
    PROSPECT,
    TASK,
    maybe_utc,
)

_ROUNDS = 20
"""Skipping a step may queue the next one already due: settle again, at most this often."""


@dataclass(frozen=True)
class Settled:
    """What :func:`settle_tasks` changed."""

    opened: int = 0
    skipped: int = 0
    expired: int = 0

    def __add__(self, other: Settled) -> Settled:
        return Settled(self.opened + other.opened, self.skipped + other.skipped,
                       self.expired + other.expired)

    @property
    def any(self) -> bool:
        return bool(self.opened or self.skipped or self.expired)


@dataclass(frozen=True)
class Context:
    """An enrollment with what advancing it needs."""

    subject: Subject
    state: str
    next_step: int
    sequence: Sequence
    prospect: ProspectFacts
    campaign_name: str
    campaign_state: str
    sender: str


_CONTEXT = (
    select(
        ENROLLMENT.c.id, ENROLLMENT.c.campaign_id, ENROLLMENT.c.prospect_id,
        ENROLLMENT.c.mailbox_id, ENROLLMENT.c.state, ENROLLMENT.c.next_step,
        PROSPECT.c.email, PROSPECT.c.domain, PROSPECT.c.first_name, PROSPECT.c.last_name,
        PROSPECT.c.company, PROSPECT.c.timezone, PROSPECT.c.fields,
        CAMPAIGN.c.name.label("campaign_name"), CAMPAIGN.c.state.label("campaign_state"),
        CAMPAIGN.c.sequence_hash, MAILBOX.c.email.label("sender"),
    )  # fmt: skip
    .select_from(
        ENROLLMENT.join(PROSPECT, PROSPECT.c.id == ENROLLMENT.c.prospect_id)
        .join(CAMPAIGN, CAMPAIGN.c.id == ENROLLMENT.c.campaign_id)
        .join(MAILBOX, MAILBOX.c.id == ENROLLMENT.c.mailbox_id)
    )
)


def enrollment_context(conn: Connection, enrollment_id: int) -> Context | None:
    """The enrollment, its prospect, campaign, sequence and sender (None: gone)."""
    row = conn.execute(_CONTEXT.where(ENROLLMENT.c.id == enrollment_id)).first()
    if row is None:
        return None
    prospect = ProspectFacts(
        row.prospect_id, row.email, row.domain, row.first_name, row.last_name, row.company,
        row.timezone, row.fields or {},
    )  # fmt: skip
    return Context(
        Subject(row.campaign_id, row.id, row.prospect_id, row.mailbox_id), row.state,
        row.next_step, sequence_for(conn, row.campaign_id, row.sequence_hash), prospect,
        row.campaign_name, row.campaign_state, row.sender,
    )  # fmt: skip


_ACTIVE = ENROLLMENT.c.state == EnrollmentState.ACTIVE.value
_ADVANCE_PAST = (
    update(ENROLLMENT)
    .where(
        ENROLLMENT.c.id == bindparam("eid"),
        ENROLLMENT.c.next_step <= bindparam("step"),
    )
    .values(
        next_step=bindparam("following"),
        next_due_at=case((_ACTIVE, bindparam("due")), else_=ENROLLMENT.c.next_due_at),
        state=case((_ACTIVE & bindparam("last"), "finished"), else_=ENROLLMENT.c.state),
        updated_at=bindparam("at"),
    )
    .returning(ENROLLMENT.c.state)
)


def advance_past(conn: Connection, context: Context, step_index: int,
                 now: datetime) -> datetime | None:  # fmt: skip
    """Move the enrollment past a step that sent nothing (a task done, expired or skipped,
    an email skipped) and queue the next step, its wait counted from now. Returns when the
    next step is due (None: none, the enrollment is not active, or it moved on before)."""
    planned = plan_step(
        context.sequence, step_index + 1, zone_of(context.prospect.timezone, context.sequence),
        context.prospect.email, context.campaign_name, context.sender, now,
    )  # fmt: skip
    due = planned.due_at if planned else None
    state = conn.execute(
        _ADVANCE_PAST,
        {"eid": context.subject.enrollment_id, "step": step_index, "following": step_index + 1,
         "due": due, "last": planned is None, "at": now},
    ).scalar()  # fmt: skip
    if state != EnrollmentState.ACTIVE or planned is None:
        return None
    insert_step(conn, context.subject, planned, context.sequence, context.prospect, now)
    return planned.due_at


def skip_step(conn: Connection, context: Context, step_index: int, now: datetime,
              **data: Any) -> None:  # fmt: skip
    """A step whose ``when:`` did not hold as it fell due: an event, then the next step."""
    step = context.sequence.steps[step_index]
    when = step.when.describe() if step.when else None
    kind = step.task.kind if step.task else "email"
    record(conn, EventKind.STEP_SKIPPED, context.subject, when=now, step=step_index,
           condition=when, step_kind=kind, **data)  # fmt: skip
    advance_past(conn, context, step_index, now)


def step_goes_ahead(conn: Connection, context: Context, step_index: int) -> bool:
    """Whether the step's ``when:`` holds now (always, for a step without one)."""
    when = context.sequence.steps[step_index].when
    if when is None:
        return True
    facts = branch_facts(conn, context.subject.enrollment_id or 0, step_index)
    return condition_holds(when, facts)


# -- settling: due tasks open, late ones expire ----------------------------------------------

_LIVE_FOR_TASK = or_(
    _ACTIVE,
    and_(TASK.c.keep_on_reply, ENROLLMENT.c.state == EnrollmentState.REPLIED.value),
)
"""An enrollment whose tasks go on: active, or replied with ``on_reply: continue``."""
_TASK_QUEUE = TASK.join(ENROLLMENT, ENROLLMENT.c.id == TASK.c.enrollment_id).join(
    CAMPAIGN, CAMPAIGN.c.id == TASK.c.campaign_id
)


def settle_tasks(conn: Connection, now: datetime, *, mailbox_id: int | None = None) -> Settled:
    """Open the tasks that fell due (or skip them when their ``when:`` fails) and expire
    open tasks past their ``due_within``; of one mailbox, or all."""
    total = Settled()
    for _round in range(_ROUNDS):
        done = _open_due(conn, now, mailbox_id) + _expire(conn, now, mailbox_id)
        total += done
        if not done.any:
            break
    return total


def _due_rows(conn: Connection, state: TaskState, column: Any, now: datetime,
              mailbox_id: int | None) -> list[Any]:  # fmt: skip
    query = (
        select(TASK.c.id, TASK.c.enrollment_id, TASK.c.step_index, TASK.c.kind)
        .select_from(_TASK_QUEUE)
        .where(TASK.c.state == state.value, column <= now, CAMPAIGN.c.state == "active",
               _LIVE_FOR_TASK)
        .order_by(column, TASK.c.id)
    )  # fmt: skip
    if mailbox_id is not None:
        query = query.where(TASK.c.mailbox_id == mailbox_id)
    return list(conn.execute(query))


def _open_due(conn: Connection, now: datetime, mailbox_id: int | None) -> Settled:
    opened = skipped = 0
    for row in _due_rows(conn, TaskState.SCHEDULED, TASK.c.due_at, now, mailbox_id):
        context = enrollment_context(conn, row.enrollment_id)
        if context is None:
            continue
        about = Subject(*_ids(context))
        if not step_goes_ahead(conn, context, row.step_index):
            when = context.sequence.steps[row.step_index].when
            reason = f"when {when.describe() if when else ''} did not hold"
            _set_task(conn, row.id, TaskState.SCHEDULED, now, state=TaskState.SKIPPED.value,
                      reason=reason)  # fmt: skip
            skip_step(conn, context, row.step_index, now, task=row.id)
            skipped += 1
            continue
        task = context.sequence.steps[row.step_index].task
        assert task is not None, "a task row is a task step"
        zone = zone_of(context.prospect.timezone, context.sequence)
        expires = after_wait(task.due_within, now, zone)
        if not _set_task(conn, row.id, TaskState.SCHEDULED, now, state=TaskState.OPEN.value,
                         expires_at=expires):  # fmt: skip
            continue
        record(conn, EventKind.TASK_DUE, about, when=now, task=row.id, step=row.step_index,
               task_kind=row.kind, expires_at=expires.isoformat())  # fmt: skip
        opened += 1
    return Settled(opened=opened, skipped=skipped)


def _expire(conn: Connection, now: datetime, mailbox_id: int | None) -> Settled:
    expired = 0
    for row in _due_rows(conn, TaskState.OPEN, TASK.c.expires_at, now, mailbox_id):
        context = enrollment_context(conn, row.enrollment_id)
        if context is None or not _set_task(
            conn, row.id, TaskState.OPEN, now, state=TaskState.EXPIRED.value,
            outcome=TaskOutcome.SKIPPED.value, done_at=now, done_by="engine",
            reason="not done within due_within",
        ):  # fmt: skip
            continue
        record(conn, EventKind.TASK_EXPIRED, Subject(*_ids(context)), when=now, task=row.id,
               step=row.step_index, task_kind=row.kind,
               outcome=TaskOutcome.SKIPPED.value)  # fmt: skip
        advance_past(conn, context, row.step_index, now)
        expired += 1
    return Settled(expired=expired)


def _ids(context: Context) -> tuple[int | None, int | None, int | None, int | None]:
    s = context.subject
    return s.campaign_id, s.enrollment_id, s.prospect_id, s.mailbox_id


def _set_task(conn: Connection, task_id: int, was: TaskState, now: datetime,
              **values: Any) -> bool:  # fmt: skip
    """Change a task that is still in state ``was``; False when it moved on meanwhile."""
    return bool(conn.execute(
        update(TASK).where(TASK.c.id == task_id, TASK.c.state == was.value)
        .values(updated_at=now, **values)
    ).rowcount)  # fmt: skip


# -- the rep's outcome -------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDone:
    """A task the rep finished, and what comes next."""

    task_id: int
    outcome: TaskOutcome
    next_due: datetime | None
    """When the enrollment's next step is due (None: no next step)."""


def complete_task(conn: Connection, task_id: int, outcome: TaskOutcome, note: str | None,
                  cause: Cause, now: datetime) -> TaskDone:  # fmt: skip
    """Record how an open task went; the sequence goes on from now.

    Raises ``NotFoundError`` for an unknown id and ``ValidationFailed`` for a task that is
    not open (not due yet, or done, expired, skipped or cancelled already).
    """
    row = conn.execute(
        select(TASK.c.id, TASK.c.state, TASK.c.enrollment_id, TASK.c.step_index, TASK.c.kind,
               TASK.c.due_at).where(TASK.c.id == task_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFoundError(_("no task {id}").format(id=task_id),
                            hint=_("`outreach tasks --all` lists them"))
    if row.state != TaskState.OPEN:
        due = maybe_utc(row.due_at)
        if row.state == TaskState.SCHEDULED and due is not None:
            problem = _("task {id} is not due yet (due {when} UTC)").format(
                id=task_id, when=f"{due:%Y-%m-%d %H:%M}")
        elif row.state == TaskState.DONE:
            problem = _("task {id} is already done").format(id=task_id)
        elif row.state == TaskState.EXPIRED:
            problem = _("task {id} expired (not done within its due_within)").format(id=task_id)
        else:
            problem = _("task {id} was cancelled or skipped").format(id=task_id)
        raise ValidationFailed(
            problem, hint=_("only a due task can be done; `outreach tasks` lists them"))
    context = enrollment_context(conn, row.enrollment_id)
    assert context is not None, "a task's enrollment is deleted with it"
    _set_task(conn, task_id, TaskState.OPEN, now, state=TaskState.DONE.value,
              outcome=outcome.value, outcome_note=note, done_at=now, done_by=cause.source)
    record(conn, EventKind.TASK_DONE, Subject(*_ids(context)), when=now, task=task_id,
           step=row.step_index, task_kind=row.kind, outcome=outcome.value, note=note,
           by=cause.source)  # fmt: skip
    next_due = advance_past(conn, context, row.step_index, now)
    settle_tasks(conn, now, mailbox_id=context.subject.mailbox_id)  # a next task due now
    return TaskDone(task_id, outcome, next_due)


# -- ends, pauses and reopening ----------------------------------------------------------------


def cancel_tasks(conn: Connection, enrollment_ids: list[int], state: EnrollmentState,
                 reason: str, now: datetime) -> int:  # fmt: skip
    """Cancel the pending tasks of enrollments that ended (``state``), each with an event;
    a reply leaves the tasks whose step says ``on_reply: continue``."""
    query = select(TASK.c.id, TASK.c.campaign_id, TASK.c.enrollment_id, TASK.c.prospect_id,
                   TASK.c.mailbox_id, TASK.c.step_index).where(
        TASK.c.enrollment_id.in_(enrollment_ids), TASK.c.state.in_(TASK_PENDING))  # fmt: skip
    if state == EnrollmentState.REPLIED:
        query = query.where(TASK.c.keep_on_reply.is_(False))
    rows = conn.execute(query).all()
    why = f"enrollment {state.value}: {reason}"
    for row in rows:
        conn.execute(
            update(TASK).where(TASK.c.id == row.id)
            .values(state=TaskState.CANCELLED.value, reason=why, updated_at=now)
        )  # fmt: skip
        about = Subject(row.campaign_id, row.enrollment_id, row.prospect_id, row.mailbox_id)
        record(conn, EventKind.TASK_CANCELLED, about, when=now, task=row.id,
               step=row.step_index, reason=why)  # fmt: skip
    return len(rows)


def hold_tasks(conn: Connection, enrollment_id: int, resume_at: datetime, now: datetime) -> None:
    """A paused enrollment's pending tasks wait until it resumes (an open one opens again
    then, with a fresh ``due_within``)."""
    conn.execute(
        update(TASK)
        .where(TASK.c.enrollment_id == enrollment_id, TASK.c.state.in_(TASK_PENDING),
               TASK.c.due_at < resume_at)
        .values(state=TaskState.SCHEDULED.value, due_at=resume_at, expires_at=None,
                updated_at=now)
    )  # fmt: skip


def release_tasks(conn: Connection, enrollment_id: int, held_until: datetime | None,
                  ended_state: str | None, now: datetime) -> None:  # fmt: skip
    """An enrollment active again: tasks held until ``held_until`` are due now; tasks its
    end (``ended_state``) cancelled come back."""
    if held_until is not None:
        conn.execute(
            update(TASK)
            .where(TASK.c.enrollment_id == enrollment_id,
                   TASK.c.state == TaskState.SCHEDULED.value, TASK.c.due_at == held_until)
            .values(due_at=now, updated_at=now)
        )  # fmt: skip
    if ended_state is not None:
        conn.execute(
            update(TASK)
            .where(TASK.c.enrollment_id == enrollment_id,
                   TASK.c.state == TaskState.CANCELLED.value,
                   TASK.c.reason.like(f"enrollment {ended_state}:%"))
            .values(state=TaskState.SCHEDULED.value, reason=None, expires_at=None,
                    updated_at=now)
        )  # fmt: skip
