"""Task steps in the lifecycle core, with the clock moved by hand (SQLite and PostgreSQL).

The first email is recorded as sent through the lifecycle (as the engine does after the
server's 250); then a call task is queued, opens when due, and its outcome steers the next
step: ``no_answer`` lets the email ``when: {task: no_answer}`` go, ``reached`` skips it
(an event) and the LinkedIn task comes next. A task not done in time expires; a reply
cancels pending tasks unless the step says ``on_reply: continue``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.cli import cli
from outreach.errors import ValidationFailed
from outreach.lifecycle.branching import branch_facts
from outreach.lifecycle.ending import end_person, pause_until, resume_due
from outreach.lifecycle.facts import load_facts
from outreach.lifecycle.sending import mark_sending, record_sent, skipped_by_condition
from outreach.lifecycle.tasks import complete_task, settle_tasks
from outreach.lifecycle.values import Cause, EnrollmentRef
from outreach.sequences import BranchFacts, Condition, condition_holds
from outreach.states import EnrollmentState, TaskOutcome
from outreach.store import open_store, session_scope
from outreach.store.models import (
    Enrollment,
    Event,
    InboundMessage,
    Prospect,
    Send,
    Task,
    utcnow,
)

ANNA = "anna@acme.test"
SEQUENCE = """\
name: t
schedule: {timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
stop: {not_now: resume}
steps:
  - subject: "Hallo {{ company }}"
    body: "Guten Tag"
  - wait: 1d
    task: call
    due_within: 1d
    note: "Anrufen: {{ telefon | default('keine Nummer') }}"
  - wait: 1d
    when: {task: no_answer}
    body: "Ich habe Sie nicht erreicht."
  - wait: 2d
    task: linkedin
    note: "Vernetzen mit {{ first_name }}"
    ON_REPLY
"""


def world(tmp_path: Path, on_reply: str = "", call_wait: str = "1d") -> Engine:
    runner = CliRunner()
    (tmp_path / "p.csv").write_text("email;first_name;company;telefon\n"
                                    f"{ANNA};Anna;Acme;+49 30 555\n")  # fmt: skip
    text = SEQUENCE.replace("ON_REPLY", on_reply)
    (tmp_path / "s.yaml").write_text(text.replace("wait: 1d\n    task: call",
                                                  f"wait: {call_wait}\n    task: call"))
    for args in (
        ["prospects", "import", str(tmp_path / "p.csv"), "--tag", "q1"],
        ["mailbox", "add", "rep@sales.test", "--smtp-host", "127.0.0.1", "--smtp-security",
         "none", "--imap-host", "127.0.0.1", "--imap-security", "none", "--password-command",
         "echo x"],
        ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"), "--mailbox",
         "rep@sales.test", "--tag", "q1"],
        ["campaign", "start", "q1", "--no-verify"],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    return open_store()


def send_due(db: Engine, step: int, now: datetime) -> Send:
    """Record the queued email of ``step`` as sent at ``now`` (what the engine does)."""
    with Session(db) as session:
        send = session.exec(select(Send).where(Send.step_index == step,
                                               Send.state == "scheduled")).one()  # fmt: skip
    assert send.id is not None and send.due_at <= now
    with session_scope(db) as session:
        conn = session.connection()
        facts = load_facts(conn, send.id)
        assert facts is not None
        assert not skipped_by_condition(conn, facts, now)
        mark_sending(conn, send.id, now, subject="s", in_reply_to=None, references=None)
        facts = load_facts(conn, send.id)
        assert facts is not None
        assert record_sent(conn, facts, "250 ok", now)[0]
    return send


def tasks(db: Engine) -> list[Task]:
    with Session(db) as session:
        return list(session.exec(select(Task).order_by(col(Task.step_index))))


def sends(db: Engine) -> list[Send]:
    with Session(db) as session:
        return list(session.exec(select(Send).order_by(col(Send.step_index))))


def events(db: Engine, kind: str) -> list[Event]:
    with Session(db) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))


def enrollment(db: Engine) -> Enrollment:
    with Session(db) as session:
        return session.exec(select(Enrollment)).one()


def settle(db: Engine, now: datetime) -> Any:
    with session_scope(db) as session:
        return settle_tasks(session.connection(), now)


def done(db: Engine, task_id: int | None, outcome: TaskOutcome, now: datetime,
         note: str | None = None) -> Any:  # fmt: skip
    assert task_id is not None
    with session_scope(db) as session:
        return complete_task(session.connection(), task_id, outcome, note, Cause("cli"), now)


def call_task_open(db: Engine) -> tuple[Task, datetime]:
    """The first email sent now; the call task opened a day later."""
    start = utcnow()
    send_due(db, 0, start)
    [call] = tasks(db)
    assert (call.kind, call.state, call.step_index) == ("call", "scheduled", 1)
    assert call.note == "Anrufen: +49 30 555"  # rendered when queued
    assert call.due_at == start + timedelta(days=1)
    assert enrollment(db).next_due_at == call.due_at
    assert settle(db, call.due_at - timedelta(seconds=1)).opened == 0
    assert settle(db, call.due_at).opened == 1
    [call] = tasks(db)
    assert call.state == "open" and call.expires_at == call.due_at + timedelta(days=1)
    [due] = events(db, "task_due")
    assert (due.data["task"], due.data["task_kind"], due.data["step"]) == (call.id, "call", 1)
    return call, call.due_at


def test_no_answer_lets_the_email_go_then_the_linkedin_task(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path)
    assert [s.step_index for s in sends(db)] == [0]  # the task is not a send
    call, now = call_task_open(db)
    later = now + timedelta(hours=3)
    result = done(db, call.id, TaskOutcome.NO_ANSWER, later, note="Mailbox voll")
    assert result.next_due == later + timedelta(days=1)
    [call] = tasks(db)
    assert (call.state, call.outcome, call.outcome_note, call.done_by) == (
        "done", "no_answer", "Mailbox voll", "cli")
    [event] = events(db, "task_done")
    assert (event.data["outcome"], event.data["note"]) == ("no_answer", "Mailbox voll")
    email = send_due(db, 2, later + timedelta(days=1))  # the condition holds: sent
    assert email.step_index == 2
    assert events(db, "step_skipped") == []
    [_, linkedin] = tasks(db)
    assert (linkedin.kind, linkedin.note) == ("linkedin", "Vernetzen mit Anna")
    assert settle(db, linkedin.due_at).opened == 1
    done(db, linkedin.id, TaskOutcome.REACHED, linkedin.due_at)
    assert enrollment(db).state == "finished"


def test_reached_skips_the_no_answer_email_with_an_event(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path)
    call, now = call_task_open(db)
    done(db, call.id, TaskOutcome.REACHED, now)
    [_, email] = sends(db)
    later = email.due_at
    with session_scope(db) as session:
        conn = session.connection()
        facts = load_facts(conn, email.id or 0)
        assert facts is not None
        assert skipped_by_condition(conn, facts, later)  # as the engine finds it due
    [_, email] = sends(db)
    assert (email.state, email.error) == ("cancelled", "skipped: when task: no_answer did not hold")
    [skipped] = events(db, "step_skipped")
    assert (skipped.data["step"], skipped.data["condition"], skipped.data["step_kind"]) == (
        2, "task: no_answer", "email")
    [_, linkedin] = tasks(db)  # the sequence went on: the LinkedIn task, 2 days on
    assert linkedin.due_at == later + timedelta(days=2) and linkedin.state == "scheduled"
    assert enrollment(db).next_step == 3


def test_a_task_not_done_in_time_expires_and_the_sequence_goes_on(
    any_db: str, tmp_path: Path
) -> None:
    db = world(tmp_path)
    call, _ = call_task_open(db)
    assert call.expires_at is not None
    assert settle(db, call.expires_at - timedelta(seconds=1)).expired == 0
    assert settle(db, call.expires_at).expired == 1
    [call] = tasks(db)
    assert (call.state, call.outcome, call.done_by) == ("expired", "skipped", "engine")
    [expired] = events(db, "task_expired")
    assert expired.data["outcome"] == "skipped"
    [_, email] = sends(db)  # queued; its condition (no_answer) fails when it falls due
    with session_scope(db) as session:
        facts = load_facts(session.connection(), email.id or 0)
        assert facts is not None and skipped_by_condition(session.connection(), facts,
                                                           email.due_at)
    with pytest.raises(ValidationFailed, match=rf"task {call.id} expired \(not done within its due_within\)"):
        done(db, call.id, TaskOutcome.REACHED, email.due_at)


def test_a_reply_cancels_pending_tasks(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path)
    call, now = call_task_open(db)
    reply(db, now)
    [call] = tasks(db)
    assert call.state == "cancelled" and call.reason is not None
    assert call.reason.startswith("enrollment replied:")
    [cancelled] = events(db, "task_cancelled")
    assert cancelled.data["task"] == call.id
    assert settle(db, now + timedelta(days=5)).opened == 0


def test_on_reply_continue_keeps_the_task_after_a_reply(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path, on_reply="on_reply: continue")
    call, now = call_task_open(db)
    done(db, call.id, TaskOutcome.NO_ANSWER, now)
    send_due(db, 2, now + timedelta(days=1))
    [_, linkedin] = tasks(db)
    reply(db, now + timedelta(days=1, hours=1))
    assert enrollment(db).state == "replied"
    assert settle(db, linkedin.due_at).opened == 1  # "call back the interested"
    result = done(db, linkedin.id, TaskOutcome.REACHED, linkedin.due_at)
    assert result.next_due is None and enrollment(db).state == "replied"


def test_a_pause_holds_tasks_until_it_ends(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path)
    call, now = call_task_open(db)
    resume_at = now + timedelta(days=30)
    with session_scope(db) as session:
        ref = enrollment_ref(db)
        assert pause_until(session.connection(), ref, resume_at, Cause("inbox"), now,
                           reason="not_now")
    [call] = tasks(db)
    assert (call.state, call.due_at, call.expires_at) == ("scheduled", resume_at, None)
    assert settle(db, resume_at - timedelta(seconds=1)).opened == 0
    with session_scope(db) as session:
        assert resume_due(session.connection(), resume_at) == 1
    assert settle(db, resume_at).opened == 1


def enrollment_ref(db: Engine) -> EnrollmentRef:
    row = enrollment(db)
    with Session(db) as session:
        prospect = session.exec(select(Prospect)).one()
    return EnrollmentRef(row.id or 0, row.campaign_id, row.prospect_id, row.mailbox_id,
                         prospect.email, prospect.domain, row.state, "q1")


def reply(db: Engine, now: datetime) -> None:
    row = enrollment(db)
    with session_scope(db) as session:
        end_person(session.connection(), row.prospect_id, EnrollmentState.REPLIED, "reply",
                   Cause("inbox"), now, answered=row.id)


def inbound(db: Engine, kind: str, intent: str | None, at: datetime, uid: int) -> None:
    """An inbound message of the enrollment as the watcher stores it (test setup)."""
    row = enrollment(db)
    with session_scope(db) as session:
        session.add(InboundMessage(mailbox_id=row.mailbox_id or 0, folder="INBOX", uidvalidity=1,
                                   uid=uid, kind=kind, intent=intent, enrollment_id=row.id,
                                   created_at=at))  # fmt: skip


def facts_before(db: Engine, step: int) -> BranchFacts:
    with Session(db) as session:
        return branch_facts(session.connection(), enrollment(db).id or 0, step)


def test_branch_facts_read_replies_intents_auto_replies_and_the_last_task(
    any_db: str, tmp_path: Path
) -> None:
    db = world(tmp_path)
    start = utcnow()
    send_due(db, 0, start)
    assert facts_before(db, 2) == BranchFacts()
    inbound(db, "auto_reply", None, start - timedelta(hours=1), 1)  # before the email: old
    assert not facts_before(db, 2).auto_reply_since_previous
    inbound(db, "auto_reply", None, start + timedelta(hours=1), 2)
    assert facts_before(db, 2).auto_reply_since_previous
    inbound(db, "reply", "not_now", start + timedelta(hours=2), 3)
    found = facts_before(db, 2)
    assert found.resumed_after_not_now and not found.replied  # "not now" is no reply here
    assert condition_holds(Condition("intent", "not_now"), found)
    assert condition_holds(Condition("no_reply"), found)
    inbound(db, "reply", "interested", start + timedelta(hours=3), 4)
    assert not condition_holds(Condition("no_reply"), facts_before(db, 2))

    call, now = tasks(db)[0], tasks(db)[0].due_at
    settle(db, now)
    done(db, call.id, TaskOutcome.REACHED, now)
    found = facts_before(db, 2)
    assert found.last_task_outcome == "reached"
    assert condition_holds(Condition("task", "reached"), found)
    assert not condition_holds(Condition("task", "no_answer"), found)
    assert not found.auto_reply_since_previous  # the call came after the out-of-office
    assert facts_before(db, 1).last_task_outcome is None  # no task before step 2


def test_campaign_update_refuses_to_turn_an_email_into_a_task(any_db: str, tmp_path: Path) -> None:
    world(tmp_path)
    edited = tmp_path / "edited.yaml"
    text = (tmp_path / "s.yaml").read_text()
    edited.write_text(text.replace('''  - wait: 1d
    when: {task: no_answer}
    body: "Ich habe Sie nicht erreicht."''', '''  - wait: 1d
    task: custom
    note: "Angebot schicken"'''))
    result = CliRunner().invoke(cli, ["--lang", "en", "campaign", "update", "q1", "--sequence", str(edited)])
    assert result.exit_code == 2, result.output
    assert "step 3: an email cannot become a task" in result.output
    removed = tmp_path / "removed.yaml"  # the LinkedIn task removed: allowed
    removed.write_text(text.split("  - wait: 2d\n    task: linkedin")[0])
    result = CliRunner().invoke(cli, ["--lang", "en", "campaign", "update", "q1", "--sequence", str(removed),
                                      "--yes"])  # fmt: skip
    assert result.exit_code == 0, result.output


def test_an_opt_out_ends_a_task_kept_after_a_reply(any_db: str, tmp_path: Path) -> None:
    db = world(tmp_path, on_reply="on_reply: continue")
    call, now = call_task_open(db)
    done(db, call.id, TaskOutcome.NO_ANSWER, now)
    send_due(db, 2, now + timedelta(days=1))
    reply(db, now + timedelta(days=1, hours=1))
    [_, linkedin] = tasks(db)
    assert linkedin.state == "scheduled"  # kept: on_reply: continue
    row = enrollment(db)
    with session_scope(db) as session:
        end_person(session.connection(), row.prospect_id, EnrollmentState.UNSUBSCRIBED,
                   "unsubscribe", Cause("inbox"), now + timedelta(days=1, hours=2))
    [_, linkedin] = tasks(db)
    assert linkedin.state == "cancelled" and (linkedin.reason or "").startswith(
        "enrollment unsubscribed:")
