"""A send's life around its SMTP transaction: claimed, sent, deferred, failed, in doubt.

Each function runs inside the caller's transaction. :func:`record_sent` is the only work
between the server's acceptance and our record of it (the window in which a crash leaves
the send in doubt): a handful of statements in one commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from outreach.lifecycle.campaigns import check_bounce_rate
from outreach.lifecycle.ending import end_enrollments, end_person, live_refs
from outreach.lifecycle.events import record
from outreach.lifecycle.facts import SendFacts, load_facts
from outreach.lifecycle.queueing import insert_step, plan_step
from outreach.lifecycle.suppressing import suppress_values
from outreach.lifecycle.tasks import enrollment_context, skip_step, step_goes_ahead
from outreach.lifecycle.values import Cause
from outreach.mailbox.thread import after_send
from outreach.sequences.prospect import prospect_zone
from outreach.states import PENDING, EnrollmentState, EventKind, SendState
from outreach.store.models import as_utc
from outreach.store.repository import (
    ADVANCE,
    ENROLLMENT,
    MARK_SENDING,
    MARK_SENT,
    SEND,
    one_of,
)


def person_still_wanted(conn: Connection, facts: SendFacts, now: datetime) -> bool:
    """Is this person still to be written to? Not when the address (or its domain) is
    suppressed, nor when they answered, opted out or bounced in another campaign since
    this enrollment began: then this enrollment stops here, naming why."""
    if facts.suppressed is not None:
        why, cause = f"suppressed ({facts.suppressed})", Cause("engine")
    elif facts.person_ended is not None:
        why, cause = f"person {facts.person_ended}", Cause("engine")
    else:
        return True
    refs = live_refs(conn, ENROLLMENT.c.id == facts.enrollment_id)
    end_enrollments(conn, refs, EnrollmentState.STOPPED, why, cause, now)
    return False


def mark_sending(
    conn: Connection,
    send_id: int,
    at: datetime,
    *,
    subject: str,
    in_reply_to: str | None,
    references: str | None,
) -> None:
    """Fix the send's headers and claim it for one SMTP attempt (committed before SMTP)."""
    conn.execute(
        MARK_SENDING,
        {
            "send_id": send_id,
            "at": at,
            "new_subject": subject,
            "new_in_reply_to": in_reply_to,
            "new_references": references,
        },
    )


def record_sent(
    conn: Connection, facts: SendFacts, response: str, now: datetime, code: int = 250
) -> tuple[bool, datetime | None]:
    """The server accepted the send: mark it sent and advance its thread, in one commit.

    Returns whether the send was still in flight (else another engine settled it) and when
    the enrollment's next step is due.
    """
    params = {"send_id": facts.id, "response": response, "at": now, "code": code}
    if not conn.execute(MARK_SENT, params).rowcount:
        return False, None
    return True, advance_sent(conn, facts, now)


def advance_sent(conn: Connection, facts: SendFacts, now: datetime) -> datetime | None:
    """Advance the enrollment past a sent step and queue the next one (once only).

    ``facts`` describe the send as sent (its subject fixed). Returns when the next step is
    due, or None when there is none (finished, stopped meanwhile, or advanced before).
    """
    step = facts.sequence.steps[facts.step_index]
    thread = after_send(facts.thread, facts.message_id, facts.subject, step.new_thread)
    planned = plan_step(
        facts.sequence,
        facts.step_index + 1,
        prospect_zone(facts.prospect, facts.sequence),
        facts.prospect.email,
        facts.campaign_name,
        facts.sender,
        now,
    )
    due = planned.due_at if planned else None
    state = conn.execute(
        ADVANCE,
        {
            "enrollment_id": facts.enrollment_id,
            "step": facts.step_index,
            "root": thread.root_message_id,
            "topic": thread.topic,
            "chain": thread.chain,
            "following": facts.step_index + 1,
            "due": due,
            "last": due is None,
            "at": now,
        },
    ).scalar()
    if state is None:
        return None
    record(
        conn, EventKind.SENT, facts.subject_ids, when=now,
        step=facts.step_index, message_id=facts.message_id,
    )  # fmt: skip
    if state != EnrollmentState.ACTIVE or planned is None:
        return None
    insert_step(conn, facts.subject_ids, planned, facts.sequence, facts.prospect, now)
    return planned.due_at


def skipped_by_condition(conn: Connection, facts: SendFacts, now: datetime) -> bool:
    """As a queued email falls due: when its step's ``when:`` fails, the send is cancelled
    (``skipped: …``), the skip is an event and the next step is queued. True when skipped."""
    step = facts.sequence.steps[facts.step_index]
    if step.when is None:
        return False
    context = enrollment_context(conn, facts.enrollment_id)
    if context is None or step_goes_ahead(conn, context, facts.step_index):
        return False
    _set_send(conn, facts.id, state=SendState.CANCELLED.value,
              error=f"skipped: when {step.when.describe()} did not hold", updated_at=now)
    skip_step(conn, context, facts.step_index, now, send=facts.id)
    return True


def advance_after_sent(conn: Connection, send_id: int, now: datetime) -> datetime | None:
    """:func:`advance_sent` for a send known by id only (recovery, stragglers)."""
    facts = load_facts(conn, send_id)
    if facts is None or facts.state != SendState.SENT:
        return None
    return advance_sent(conn, facts, now)


_STRAGGLERS = (
    select(SEND.c.id)
    .select_from(SEND.join(ENROLLMENT, ENROLLMENT.c.id == SEND.c.enrollment_id))
    .where(
        SEND.c.mailbox_id == bindparam("mailbox_id"),
        SEND.c.state == SendState.SENT.value,
        ENROLLMENT.c.next_step <= SEND.c.step_index,
    )
)


def advance_stragglers(conn: Connection, mailbox_id: int, now: datetime) -> int:
    """Sent steps whose enrollment a crash left un-advanced."""
    ids = list(conn.execute(_STRAGGLERS, {"mailbox_id": mailbox_id}).scalars())
    for send_id in ids:
        advance_after_sent(conn, send_id, now)
    return len(ids)


def _set_send(conn: Connection, send_id: int, **values: object) -> None:
    conn.execute(update(SEND).where(SEND.c.id == send_id).values(**values))


def defer(
    conn: Connection, facts: SendFacts, code: int | None, message: str, retry_at: datetime,
    now: datetime,
) -> None:  # fmt: skip
    """A temporary failure: due again at ``retry_at``."""
    _set_send(
        conn, facts.id, state=SendState.DEFERRED.value, due_at=retry_at, smtp_code=code,
        error=message, updated_at=now,
    )  # fmt: skip
    record(
        conn, EventKind.DEFERRED, facts.subject_ids, when=now,
        code=code, message=message, retry_at=retry_at.isoformat(),
    )  # fmt: skip


def give_up(conn: Connection, facts: SendFacts, message: str, now: datetime) -> None:
    """Temporary failures for too long, or a step that cannot render: send and
    enrollment fail."""
    _set_send(
        conn, facts.id, state=SendState.FAILED.value, error=message, updated_at=now
    )
    refs = live_refs(conn, ENROLLMENT.c.id == facts.enrollment_id)
    end_enrollments(conn, refs, EnrollmentState.FAILED, message, Cause("engine"), now, event=False)
    record(conn, EventKind.FAILED, facts.subject_ids, when=now, message=message)


def smtp_refused(
    conn: Connection, facts: SendFacts, code: int | None, message: str, now: datetime
) -> None:
    """The server refused the address for good (5xx): the person's address is dead.

    Every live enrollment of the person ends (this one ``bounced``), the address is
    suppressed and the campaign's bounce rate is checked.
    """
    _set_send(
        conn, facts.id, state=SendState.FAILED.value, smtp_code=code, error=message,
        updated_at=now,
    )  # fmt: skip
    reason = f"{code or ''} {message}".strip()
    cause = Cause("smtp", message_id=facts.message_id, campaign=facts.campaign_name)
    end_person(
        conn, facts.prospect.id, EnrollmentState.BOUNCED, reason, cause, now,
        answered=facts.enrollment_id,
    )  # fmt: skip
    suppress_values(conn, [facts.prospect.email], "bounce", f"smtp {code}")
    record(
        conn, EventKind.BOUNCE, facts.subject_ids, when=now,
        hard=True, code=code, message=message, at="smtp",
    )  # fmt: skip
    check_bounce_rate(conn, facts.campaign_id, now)


def requeue_unsent(conn: Connection, send_id: int, now: datetime) -> None:
    """The attempt never reached the server's judgement (our login was refused): the send
    goes back to the queue as if it had not been tried."""
    conn.execute(
        update(SEND)
        .where(SEND.c.id == send_id)
        .values(
            state=SendState.SCHEDULED.value,
            attempts=SEND.c.attempts - 1,
            updated_at=now,
        )
    )


def hold_in_doubt(conn: Connection, send_id: int, message: str, now: datetime) -> None:
    """The connection was lost after DATA began: the send stays ``sending`` (in doubt),
    noting why, until :func:`settle_in_doubt` decides from the Sent folder."""
    _set_send(conn, send_id, error=f"in doubt: {message}", updated_at=now)


def settle_in_doubt(conn: Connection, send_id: int, found: bool, now: datetime) -> bool:
    """A send a crash left in ``sending``: found in Sent (or a bounce of it) → sent and
    advanced; not found → queued again with the same Message-ID. False when it was not
    in doubt any more."""
    facts = load_facts(conn, send_id)
    if facts is None or facts.state != SendState.SENDING:
        return False
    if found:
        _set_send(
            conn, send_id, state=SendState.SENT.value, sent_at=now,
            smtp_response="in doubt; found", appended_to_sent=True, updated_at=now,
        )  # fmt: skip
        advance_sent(conn, replace(facts, state=SendState.SENT.value), now)
    else:
        _set_send(conn, send_id, state=SendState.SCHEDULED.value, due_at=now, updated_at=now)
    record(conn, EventKind.IN_DOUBT_RESOLVED, facts.subject_ids, when=now, found=found)
    return True


def mark_filed(conn: Connection, send_id: int, filed: bool) -> None:
    """Whether the send's copy is in the Sent folder."""
    _set_send(conn, send_id, appended_to_sent=filed)


def reschedule(conn: Connection, due: Mapping[int, datetime], now: datetime) -> None:
    """New due times for queued sends (a backlog re-spread over the window)."""
    if not due:
        return
    conn.execute(
        update(SEND)
        .where(SEND.c.id == bindparam("sid"), one_of(SEND.c.state, PENDING))
        .values(due_at=bindparam("due"), updated_at=bindparam("at")),
        [{"sid": sid, "due": as_utc(at), "at": now} for sid, at in due.items()],
    )

