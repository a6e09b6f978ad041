"""Applying the watcher's actions to the database: end, pause, resume, soft bounces."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.lifecycle import Cause
from outreach.lifecycle.campaigns import bounce_pause_reason, check_bounce_rate
from outreach.lifecycle.ending import resume_due
from outreach.lifecycle.inbound import apply_actions
from outreach.lifecycle.rules import CheckBounceRate, End, Pause, SoftBounce, Suppress
from outreach.prospects.suppression import is_suppressed
from outreach.store import open_store, session_scope
from outreach.store.models import Campaign, Enrollment, Event, Send, utcnow
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.test_watcher_support import enrollment_of, sends_to

ANNA, BEN = "anna@acme.test", "ben@beta.test"


def started(tmp_path: Path) -> Engine:
    db = open_store()
    add_mailbox(db, "rep@sales.test", "pw", "127.0.0.1", 2525, 1143)
    add_prospects(db, [ANNA, BEN])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1d"), ["rep@sales.test"])
    return db


def apply(db: Engine, *actions: object) -> list[str]:
    with session_scope(db) as session:
        return apply_actions(session.connection(), actions, Cause("test"), utcnow())  # type: ignore[arg-type]


def event_kinds(db: Engine) -> list[str]:
    with Session(db) as session:
        return list(session.exec(select(Event.kind).order_by(col(Event.id))))


def test_end_cancels_queued_sends_once(any_db: str, tmp_path: Path) -> None:
    db = started(tmp_path)
    anna = enrollment_of(db, ANNA).id
    assert anna is not None
    assert apply(db, End(anna, "replied", "reply")) == [f"enrollment {anna} → replied (reply)"]
    assert apply(db, End(anna, "stopped", "company_reply")) == []  # no longer live
    enrollment = enrollment_of(db, ANNA)
    assert (enrollment.state, enrollment.reason, enrollment.next_due_at) == (
        "replied",
        "reply",
        None,
    )
    assert [s.state for s in sends_to(db, ANNA, "cancelled")] == ["cancelled"]
    assert event_kinds(db)[-1] == "replied"


def test_pause_moves_queued_sends_and_resume_brings_them_back(
    any_db: str, tmp_path: Path
) -> None:
    db = started(tmp_path)
    anna = enrollment_of(db, ANNA).id
    assert anna is not None
    resume_at = utcnow() + timedelta(days=3)
    apply(db, Pause(anna, resume_at))
    [queued] = sends_to(db, ANNA, "scheduled")
    assert queued.due_at == resume_at
    assert (enrollment_of(db, ANNA).state, enrollment_of(db, ANNA).resume_at) == (
        "paused",
        resume_at,
    )

    with session_scope(db) as session:
        assert resume_due(session.connection(), utcnow()) == 0
    with session_scope(db) as session:
        assert resume_due(session.connection(), resume_at + timedelta(seconds=1)) == 1
    enrollment = enrollment_of(db, ANNA)
    assert (enrollment.state, enrollment.resume_at, enrollment.next_due_at) == (
        "active",
        None,
        resume_at,
    )
    assert event_kinds(db)[-2:] == ["paused", "resumed"]


def test_resume_queues_the_next_step_when_none_is_queued(
    any_db: str, tmp_path: Path
) -> None:
    db = started(tmp_path)
    anna = enrollment_of(db, ANNA).id
    assert anna is not None
    with session_scope(db) as session:  # step 1 went out while the pause was decided
        send = session.exec(select(Send).where(Send.enrollment_id == anna)).one()
        send.state, send.sent_at = "sent", utcnow() - timedelta(days=2)
        enrollment = session.get_one(Enrollment, anna)
        enrollment.steps_sent, enrollment.next_step = 1, 1
        session.add_all([send, enrollment])
    with session_scope(db) as session:
        apply_actions(session.connection(), [Pause(anna, utcnow() - timedelta(seconds=1))], Cause("test"), utcnow())
        session.flush()
        resume_due(session.connection(), utcnow())
    [queued] = sends_to(db, ANNA, "scheduled")
    assert queued.step_index == 1
    assert queued.due_at <= utcnow()  # its wait (1 day after step 1) is over
    assert enrollment_of(db, ANNA).state == "active"


def test_soft_bounces_and_the_bounce_rate_check(any_db: str, tmp_path: Path) -> None:
    db = started(tmp_path)
    ben = enrollment_of(db, BEN)
    assert ben.id is not None
    apply(db, SoftBounce(ben.id, 1), SoftBounce(ben.id, 2))
    assert enrollment_of(db, BEN).soft_bounces == 2
    apply(db, End(ben.id, "bounced", "soft bounce #3"), Suppress(BEN, "bounce", "dsn"))
    apply(db, CheckBounceRate(ben.campaign_id))
    with Session(db) as session:
        entry = is_suppressed(session, BEN)
        assert entry is not None and entry.reason == "bounce"
        assert session.get_one(Campaign, ben.campaign_id).state == "active"  # nothing was sent


def test_a_bounce_pause_states_its_base(any_db: str, tmp_path: Path) -> None:
    db = started(tmp_path)
    ben = enrollment_of(db, BEN)
    assert ben.id is not None
    with session_scope(db) as session:
        for send in session.exec(select(Send)):
            send.state = "sent"
            session.add(send)
    apply(db, End(ben.id, "bounced", "hard bounce 5.1.1"))
    with session_scope(db) as session:
        assert check_bounce_rate(session.connection(), ben.campaign_id, utcnow(), window=2)
    with Session(db) as session:
        reason = session.get_one(Campaign, ben.campaign_id).pause_reason
    assert reason is not None and reason.startswith(
        "1 of the last 2 sends bounced (50 %, limit 5 %)"), reason


def test_a_bounce_pause_before_a_full_window_says_so() -> None:
    assert bounce_pause_reason(3, 50, 50, 0.05).startswith(
        "3 of the last 50 sends bounced (6 %, limit 5 %): ")
    assert bounce_pause_reason(3, 20, 50, 0.05).startswith(
        "3 of the first 20 sends bounced (6 % of a 50-send window, limit 5 %): ")
