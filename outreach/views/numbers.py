"""Every count and rate outreach shows: one read model for the TUI, ``report`` and ``status``.

Definitions (the same on every surface):
- sent: messages handed to the server — accepted, or refused there with a 5xx (a hard bounce)
- contacted: prospects (enrollments) who were sent at least one message in the group
- replied / unsubscribed / auto_replies: prospects who did so, each counted once per group,
  at the step they answered: the last step of their thread sent before the answer arrived
  (else the first). A bounce counts at the message it returns when the DSN names it.
- bounced_hard / bounced_soft: sends that bounced for good (SMTP 5xx, or a final DSN); delay
  warnings do not count. delivered = sent − bounced.
- in_progress: prospects still active or paused; by step, those waiting for that step.
- replies by intent: replies (by their effective kind) per intent, a person's correction
  winning; to answer: those nobody marked handled and not snoozed past today.
- reply / unsubscribe / auto-reply rate: a share of *contacted*; bounce rate: a share of *sent*.
- a mailbox's day: messages it sent since midnight in its own time zone, against its cap for
  that day (the daily cap, ramped up from its first send day) — what the engine enforces.
By day, sends count on the UTC day sent and answers on the UTC day they arrived.
- tasks: open = on the rep's list now (due, not done); overdue = open and due before today
  began (the mailbox's day); by step, done = the rep recorded an outcome (reached,
  no_answer or skipped), skipped = done as skipped or expired (not done within due_within).

Read only: nothing here writes to the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, case, distinct, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from outreach import i18n
from outreach.i18n import _
from outreach.lifecycle.values import pending_review
from outreach.states import LIVE
from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Mailbox, Send, as_utc
from outreach.views.inbox import effective_intent, effective_kind, to_answer

# Re-exported: a mailbox's day is part of this read model (read without SQLAlchemy there).
from outreach.views.mailbox_day import MailboxDay as MailboxDay
from outreach.views.mailbox_day import mailbox_days as mailbox_days

Dimension = Literal["campaign", "step", "variant", "mailbox", "day"]
Key = tuple[str | int, ...]
"""One group: a value per dimension (campaign name, 1-based step, variant letter, mailbox
address, ISO day), in the order the dimensions were asked for."""

ANSWER_KINDS = ("reply", "unsubscribe", "auto_reply")
PEOPLE_KINDS = {"reply": "replied", "unsubscribe": "unsubscribed", "auto_reply": "auto_replies"}
DATE_PRECISION = timedelta(seconds=1)
WAITING_DIMENSIONS = {"campaign", "step", "mailbox"}
"""Groupings in which a live prospect has a place (by the step they wait for)."""


@dataclass(frozen=True)
class Numbers:
    """What one group of sends did (see the module docstring for each definition)."""

    sent: int = 0
    contacted: int = 0
    replied: int = 0
    bounced_hard: int = 0
    bounced_soft: int = 0
    unsubscribed: int = 0
    auto_replies: int = 0
    in_progress: int | None = 0
    """None where it has no meaning (by variant or day: a waiting prospect has neither)."""

    @property
    def bounced(self) -> int:
        return self.bounced_hard + self.bounced_soft

    @property
    def delivered(self) -> int:
        return self.sent - self.bounced

    @property
    def reply_rate(self) -> float:
        """Replied as a share of contacted."""
        return share(self.replied, self.contacted)

    @property
    def unsubscribe_rate(self) -> float:
        """Unsubscribed as a share of contacted."""
        return share(self.unsubscribed, self.contacted)

    @property
    def auto_reply_rate(self) -> float:
        """Auto-replies as a share of contacted."""
        return share(self.auto_replies, self.contacted)

    @property
    def bounce_rate(self) -> float:
        """Bounced (hard and soft) as a share of sent."""
        return share(self.bounced, self.sent)


def share(part: int, whole: int) -> float:
    """``part / whole`` (0 when ``whole`` is 0)."""
    return part / whole if whole else 0.0


def percent(part: int, whole: int) -> str:
    """``33.3%`` (German ``33,3 %``); ``—`` when ``whole`` is 0."""
    return i18n.percent(part / whole, 1) if whole else "—"


def of(part: int, whole: int, base: str) -> str:
    """``2 of 6 contacted (33.3%)``: a count that says what it is a share of (``base``
    in the rep's language: the caller translates it)."""
    return _("{part} of {whole} {base} ({share})").format(
        part=i18n.number(part), whole=i18n.number(whole), base=base, share=percent(part, whole))


def label(dimensions: Sequence[Dimension], key: Key) -> str:
    """A group's name as every surface prints it: ``step 2``, ``step 1 B``, ``q1``, …"""
    parts = dict(zip(dimensions, key, strict=True))
    words = [str(parts[d]) for d in ("campaign", "mailbox", "day") if d in parts]
    step = f"step {parts['step']}" if "step" in parts else ""
    step += f" {parts['variant']}" if "variant" in parts else ""
    return " ".join([*words, step.strip()]).strip()


# -- campaign numbers ------------------------------------------------------------------


def campaign_numbers(
    db: Engine,
    groupings: Sequence[Sequence[Dimension]],
    *,
    campaigns: Iterable[str] | None = None,
    since: datetime | None = None,
) -> list[dict[Key, Numbers]]:
    """The numbers of each grouping (one dict per grouping, in order), of the named campaigns
    (all when None), of sends and answers since ``since`` (all when None).

    One grouped query per grouping for sends and one for live prospects; the answers are
    read once (with only the sends of the prospects who answered) for all groupings.
    """
    with Session(db) as session:
        scope = _campaign_ids(session, campaigns)
        names = _names(session)
        answers = _answers(session, scope, since)
        return [_grouping(session, tuple(dims), scope, since, names, answers) for dims in groupings]


def totals(
    db: Engine, *, campaigns: Iterable[str] | None = None, since: datetime | None = None
) -> Numbers:
    """All sends of the named campaigns (or of all) as one group."""
    return campaign_numbers(db, [()], campaigns=campaigns, since=since)[0].get((), Numbers())


@dataclass(frozen=True)
class _Names:
    campaigns: dict[int, str]
    mailboxes: dict[int, str]


@dataclass(frozen=True)
class _Answer:
    """One answer (or bounce), at the send it counts against."""

    kind: str
    """reply, unsubscribe, auto_reply, bounce_hard or bounce_soft."""
    send_id: int
    enrollment_id: int
    values: dict[str, int | str]
    """The send's campaign_id, step_index, variant and mailbox_id, and the arrival day."""
    at: datetime
    """When it arrived."""


def _campaign_ids(session: Session, names: Iterable[str] | None) -> list[int] | None:
    if names is None:
        return None
    wanted = list(names)
    rows = session.execute(sa_select(col(Campaign.id)).where(col(Campaign.name).in_(wanted)))
    return [row for (row,) in rows]


def _names(session: Session) -> _Names:
    campaigns = session.execute(sa_select(col(Campaign.id), col(Campaign.name)))
    boxes = session.execute(sa_select(col(Mailbox.id), col(Mailbox.email)))
    return _Names({row[0]: row[1] for row in campaigns}, {row[0]: row[1] for row in boxes})


def _sent() -> ColumnElement[bool]:
    """A send that reached the server: accepted, or refused with a 5xx (a ``bounce`` event)."""
    refused = sa_select(col(Event.send_id)).where(
        col(Event.kind) == "bounce", col(Event.send_id).is_not(None)
    )
    return or_(col(Send.state) == "sent", col(Send.id).in_(refused))


def _sent_at() -> ColumnElement[Any]:
    return func.coalesce(col(Send.sent_at), col(Send.last_attempt_at), col(Send.due_at))


def _send_columns(dims: tuple[Dimension, ...]) -> list[Any]:
    columns: dict[str, Any] = {
        "campaign": col(Send.campaign_id),
        "step": col(Send.step_index),
        "variant": col(Send.variant),
        "mailbox": col(Send.mailbox_id),
        "day": func.date(_sent_at()),
    }
    return [columns[d] for d in dims]


def _in_scope(column: Any, scope: list[int] | None) -> list[ColumnElement[bool]]:
    return [] if scope is None else [col(column).in_(scope)]


def _grouping(
    session: Session,
    dims: tuple[Dimension, ...],
    scope: list[int] | None,
    since: datetime | None,
    names: _Names,
    answers: list[_Answer],
) -> dict[Key, Numbers]:
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, sent, contacted in _send_counts(session, dims, scope, since, names):
        counts[key].update(sent=sent, contacted=contacted)
    for key, fields in _answer_counts(dims, answers, names).items():
        counts[key].update(fields)
    waiting = _waiting(session, dims, scope, names) if set(dims) <= WAITING_DIMENSIONS else None
    for key, count in (waiting or {}).items():
        counts[key]["in_progress"] = count
    return {
        key: _numbers(fields, waiting is not None)
        for key, fields in sorted(counts.items(), key=lambda item: _order(item[0]))
    }


def _numbers(fields: dict[str, int], waiting_counts: bool) -> Numbers:
    numbers = Numbers(**fields)
    return numbers if waiting_counts else replace(numbers, in_progress=None)


def _order(key: Key) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in key)


def _key(dims: tuple[Dimension, ...], values: Sequence[Any], names: _Names) -> Key:
    """Raw column values as a group key: names instead of ids, 1-based steps, letters."""
    out: list[str | int] = []
    for dim, value in zip(dims, values, strict=True):
        if dim == "campaign":
            out.append(names.campaigns.get(value, "?"))
        elif dim == "mailbox":
            out.append(names.mailboxes.get(value, "?"))
        elif dim == "step":
            out.append(int(value) + 1)
        elif dim == "variant":
            out.append(chr(65 + int(value)))
        else:
            out.append(str(value))
    return tuple(out)


def _send_counts(
    session: Session,
    dims: tuple[Dimension, ...],
    scope: list[int] | None,
    since: datetime | None,
    names: _Names,
) -> list[tuple[Key, int, int]]:
    columns = _send_columns(dims)
    query = sa_select(*columns, func.count(), func.count(distinct(col(Send.enrollment_id))))
    query = query.where(_sent(), *_in_scope(Send.campaign_id, scope))
    if since is not None:
        query = query.where(_sent_at() >= since.astimezone(UTC))
    rows = session.execute(query.group_by(*columns)).all()
    return [(_key(dims, row[:-2], names), int(row[-2]), int(row[-1])) for row in rows]


def _waiting(
    session: Session, dims: tuple[Dimension, ...], scope: list[int] | None, names: _Names
) -> dict[Key, int]:
    """Live prospects per group: a step is the one they wait for."""
    columns: dict[str, Any] = {
        "campaign": col(Enrollment.campaign_id),
        "step": col(Enrollment.next_step),
        "mailbox": col(Enrollment.mailbox_id),
    }
    chosen: list[Any] = [columns[d] for d in dims]
    query = sa_select(*chosen, func.count()).where(
        col(Enrollment.state).in_(LIVE), *_in_scope(Enrollment.campaign_id, scope)
    )
    rows = session.execute(query.group_by(*chosen) if chosen else query).all()
    return {_key(dims, row[:-1], names): int(row[-1]) for row in rows if row[-1]}


def _answer_counts(
    dims: tuple[Dimension, ...], answers: list[_Answer], names: _Names
) -> dict[Key, dict[str, int]]:
    """Per group: bounced sends, and prospects who replied, opted out or auto-replied."""
    field = {"campaign": "campaign_id", "step": "step_index", "variant": "variant",
             "mailbox": "mailbox_id", "day": "day"}  # fmt: skip
    seen: dict[Key, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for answer in answers:
        key = _key(dims, [answer.values[field[d]] for d in dims], names)
        if answer.kind.startswith("bounce"):
            seen[key][answer.kind.replace("bounce", "bounced")].add(answer.send_id)
        else:
            seen[key][PEOPLE_KINDS[answer.kind]].add(answer.enrollment_id)
    return {key: {name: len(ids) for name, ids in kinds.items()} for key, kinds in seen.items()}


# -- answers, attributed to the send they answer ---------------------------------------


@dataclass(frozen=True)
class _SendRow:
    id: int
    enrollment_id: int
    message_id: str
    at: datetime
    values: dict[str, int]


def _answers(session: Session, scope: list[int] | None, since: datetime | None) -> list[_Answer]:
    inbound = _inbound_rows(session, scope)
    refused = _refused_sends(session, scope)
    sends = _answered_sends(session, scope)
    by_enrollment: dict[int, list[_SendRow]] = defaultdict(list)
    for send in sorted(sends, key=lambda s: s.at):
        by_enrollment[send.enrollment_id].append(send)
    by_message_id = {s.message_id: s for s in sends}
    by_id = {s.id: s for s in sends}
    found = [
        _answer(kind, by_id[send_id], at) for send_id, (kind, at) in refused.items()
        if send_id in by_id
    ]  # fmt: skip
    for row in inbound:
        kind = answer_kind(row)
        answered = _answered(row, by_enrollment, by_message_id)
        if kind is not None and answered is not None:
            found.append(_answer(kind, answered, _arrived(row)))
    return [a for a in found if since is None or a.at >= since]


def _answer(kind: str, send: _SendRow, at: datetime) -> _Answer:
    values: dict[str, int | str] = {**send.values, "day": at.date().isoformat()}
    return _Answer(kind, send.id, send.enrollment_id, values, at)


def _answer_kind() -> ColumnElement[str]:
    """The kind a person chose, else the classifier's."""
    return func.coalesce(col(InboundMessage.manual_kind), col(InboundMessage.kind))


def _answering(scope: list[int] | None) -> Any:
    """Inbound answers (and bounces) matched to an enrollment of the campaigns in scope."""
    query = sa_select(InboundMessage).where(
        _answer_kind().in_((*ANSWER_KINDS, "bounce")),
        col(InboundMessage.enrollment_id).is_not(None),
    )
    if scope is not None:
        enrolled = sa_select(col(Enrollment.id)).where(col(Enrollment.campaign_id).in_(scope))
        query = query.where(col(InboundMessage.enrollment_id).in_(enrolled))
    return query


def _inbound_rows(session: Session, scope: list[int] | None) -> list[InboundMessage]:
    return list(session.execute(_answering(scope)).scalars())


def _refused_query(scope: list[int] | None) -> Any:
    """Sends the server refused with a 5xx (the engine's ``bounce`` events)."""
    return sa_select(col(Event.send_id), col(Event.at)).where(
        col(Event.kind) == "bounce", col(Event.send_id).is_not(None),
        *_in_scope(Event.campaign_id, scope),
    )  # fmt: skip


def _refused_sends(session: Session, scope: list[int] | None) -> dict[int, tuple[str, datetime]]:
    """Hard bounces at the server: the send, and when it was refused."""
    rows = session.execute(_refused_query(scope))
    return {send_id: ("bounce_hard", as_utc(at)) for send_id, at in rows}


def _answered_sends(session: Session, scope: list[int] | None) -> list[_SendRow]:
    """The sent messages of the prospects who answered, and those refused with a 5xx."""
    answering = _answering(scope).with_only_columns(col(InboundMessage.enrollment_id))
    refused = _refused_query(scope).with_only_columns(col(Event.send_id))
    query = sa_select(
        *map(col, (Send.id, Send.enrollment_id, Send.message_id, Send.campaign_id,
                   Send.step_index, Send.variant, Send.mailbox_id)), _sent_at(),
    )  # fmt: skip
    query = query.where(
        _sent(), or_(col(Send.enrollment_id).in_(answering), col(Send.id).in_(refused))
    )
    return [
        _SendRow(row[0], row[1], row[2], as_utc(row[7]),
                 {"campaign_id": row[3], "step_index": row[4], "variant": row[5],
                  "mailbox_id": row[6]})
        for row in session.execute(query)
    ]  # fmt: skip


def answer_kind(row: InboundMessage) -> str | None:
    if pending_review(row.details, row.manual_kind):
        return None  # held for review: it did nothing, it counts for nothing
    kind = row.manual_kind or row.kind
    if kind == "bounce":
        if row.details.get("final") is False:
            return None  # a delay warning: the server still retries
        return "bounce_hard" if row.details.get("hard") else "bounce_soft"
    return kind if kind in ANSWER_KINDS else None


def _answered(
    row: InboundMessage,
    by_enrollment: dict[int, list[_SendRow]],
    by_message_id: dict[str, _SendRow],
) -> _SendRow | None:
    """The send an answer counts against: the one a DSN returns, else the thread's last step
    sent before the answer arrived (else its first)."""
    returned = by_message_id.get(str(row.details.get("original_message_id") or ""))
    if returned is not None:
        return returned
    thread = by_enrollment.get(row.enrollment_id or -1, [])
    arrived = _arrived_by(row)
    before = [s for s in thread if s.at < arrived]
    return before[-1] if before else (thread[0] if thread else None)


def _arrived(row: InboundMessage) -> datetime:
    return as_utc(row.received_at or row.created_at)


def _arrived_by(row: InboundMessage) -> datetime:
    """A bound on when the answer was written: its Date header has whole seconds (so + 1 s),
    and it cannot be later than when the watcher recorded it."""
    recorded = as_utc(row.created_at)
    if row.received_at is None:
        return recorded
    return min(recorded, as_utc(row.received_at) + DATE_PRECISION)


# -- replies by intent -----------------------------------------------------------------


@dataclass(frozen=True)
class IntentCount:
    """Replies of one intent (a person's correction wins over the classifier's)."""

    replies: int = 0
    to_answer: int = 0
    """Not marked handled, and not snoozed past today."""
    needs_review: int = 0
    """The classifier was unsure and nobody has accepted or corrected it yet."""


UNREAD_INTENT = "other"
"""The intent of a reply whose intent was never read (stored before intents existed)."""


def replies_by_intent(
    db: Engine, *, campaigns: Iterable[str] | None = None, today: date | None = None
) -> dict[str, IntentCount]:
    """Replies per intent, most frequent first, of the named campaigns (all when None)."""
    today = today or datetime.now(UTC).date()
    intent = func.coalesce(effective_intent(), UNREAD_INTENT)
    review = col(InboundMessage.needs_review) & col(InboundMessage.manual_intent).is_(None)
    query = (
        sa_select(
            intent,
            func.count(),
            func.sum(case((to_answer(today), 1), else_=0)),
            func.sum(case((review, 1), else_=0)),
        )
        .select_from(InboundMessage)
        .where(effective_kind() == "reply")
        .group_by(intent)
    )
    with Session(db) as session:
        scope = _campaign_ids(session, campaigns)
        if scope is not None:
            query = query.join(
                Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id)
            ).where(col(Enrollment.campaign_id).in_(scope))
        rows = session.execute(query).all()
    counts = {str(k): IntentCount(int(n), int(a or 0), int(r or 0)) for k, n, a, r in rows}
    return dict(sorted(counts.items(), key=lambda item: (-item[1].replies, item[0])))


@dataclass(frozen=True)
class TaskCounts:
    """The rep's task list in numbers."""

    open: int = 0
    """Due and not done: on the list now (or as soon as the list is looked at: queued
    tasks whose time has come count too)."""
    overdue: int = 0
    """Open and due before today began."""
    scheduled: int = 0
    """Queued, not due yet."""


def task_counts(db: Engine, now: datetime, mailbox: str | None = None) -> TaskCounts:
    """How many tasks are due, overdue and scheduled (of one mailbox, or all)."""
    from outreach.views.tasks import task_rows  # the list and the count read the same rows

    rows = task_rows(db, now, which="all", mailbox=mailbox)
    due = [row for row in rows
           if row.state == "open" or (row.state == "scheduled" and row.due_at <= now)]
    return TaskCounts(
        open=len(due),
        overdue=sum(1 for row in due if row.overdue),
        scheduled=sum(1 for row in rows if row.state == "scheduled" and row.due_at > now),
    )


@dataclass(frozen=True)
class TaskNumbers:
    """What the tasks of one step came to."""

    kind: str
    due: int = 0
    """Tasks that fell due (opened), done or not."""
    done: int = 0
    """The rep recorded an outcome."""
    reached: int = 0
    no_answer: int = 0
    skipped: int = 0
    """Recorded as skipped, or expired (not done within due_within)."""
    cancelled: int = 0
    """A reply (or another end) came first."""
    open: int = 0


def task_numbers_by_step(
    db: Engine, campaigns: Iterable[str] | None = None
) -> dict[tuple[str, int], TaskNumbers]:
    """Per (campaign, 1-based step) of a task step: what its tasks came to."""
    from outreach.store.repository import CAMPAIGN, TASK

    with Session(db) as session:
        scope = _campaign_ids(session, campaigns)
        columns = (CAMPAIGN.c.name, TASK.c.step_index, TASK.c.kind, TASK.c.state,
                   TASK.c.outcome)  # fmt: skip
        query = (
            sa_select(*columns, func.count())
            .select_from(TASK.join(CAMPAIGN, CAMPAIGN.c.id == TASK.c.campaign_id))
            .where(*_in_scope(TASK.c.campaign_id, scope))
            .group_by(*columns)
        )
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for name, step, kind, state, outcome, count in session.execute(query).all():
            row = found.setdefault((name, step + 1), {"kind": kind})
            for field in _task_fields(state, outcome):
                row[field] = row.get(field, 0) + count
    return {key: TaskNumbers(**values) for key, values in sorted(found.items())}


def _task_fields(state: str, outcome: str | None) -> list[str]:
    if state == "done":
        return ["due", "done", {"reached": "reached", "no_answer": "no_answer"}.get(
            outcome or "", "skipped")]
    if state == "expired":
        return ["due", "skipped"]
    if state == "open":
        return ["due", "open"]
    if state == "cancelled":
        return ["cancelled"]
    return []
