"""The laptop wakes after a weekend: the real engine re-spreads an overdue backlog.

A campaign is started through the product, then its queue is made to look as if the
machine had slept for three days. The engine must lay the overdue sends out again at human
pace (one now, the others after the sequence's gaps, within its daily cap) instead of
firing them all at once, and keep running.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from outreach.engine.worker import MailboxWorker
from outreach.lifecycle.zones import mailbox_zone
from outreach.sandbox import Sandbox
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Mailbox, Send, as_utc, utcnow
from tests.fixtures.campaigns import (
    count_sends,
    fast_config,
    sandbox_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS
from tests.polling import still_running, until

PROSPECTS = [f"p{n}@prospects.example" for n in range(6)]
GAP = "2s-3s"
MIN_GAP = timedelta(seconds=2)
SLEPT = timedelta(days=3)
GRACE = timedelta(seconds=30)
"""Small, but longer than any wait of the test's own pace (gaps of 2-3 s)."""

Events = list[tuple[str, dict[str, object]]]


def _queue(db: Engine) -> list[Send]:
    """Every send of the test's one mailbox, by id."""
    with Session(db) as session:
        return list(session.exec(select(Send).order_by(col(Send.id))))


def _move_due(db: Engine, by: timedelta) -> None:
    """Shift every queued send's due time (written directly: see the callers)."""
    queue = _queue(db)
    with db.begin() as conn:
        for send in queue:
            conn.execute(
                update(Send).where(col(Send.id) == send.id).values(due_at=as_utc(send.due_at) + by)
            )


def _laptop_slept(db: Engine) -> None:
    """The state a laptop asleep for three days leaves (engine not running): the queued
    sends were due while it slept. Nothing in the product moves due times into the past,
    so the test writes them directly."""
    _move_due(db, -SLEPT)
    now = utcnow()
    assert all(as_utc(s.due_at) < now - SLEPT + timedelta(hours=1) for s in _queue(db))


class Respread:
    """The queue as the engine left it the moment it reported ``backlog_respread``
    (the event is reported right after the new due times are committed, before any send)."""

    def __init__(self, db: Engine, events: Events) -> None:
        self.db, self.events = db, events
        self.at: datetime | None = None
        self.due: list[datetime] = []
        self.states: list[str] = []

    def __call__(self, kind: str, info: dict[str, object]) -> None:
        self.events.append((kind, info))
        if kind == "backlog_respread" and self.at is None:
            self.at = utcnow()
            queue = _queue(self.db)
            self.due = sorted(as_utc(s.due_at) for s in queue)
            self.states = [s.state for s in queue]


def _spread_at_pace(respread: Respread, events: Events) -> None:
    """One re-spread of every send, and at that moment nothing had gone out: one send due
    now, the others later, each at least the sequence's shortest gap after the one before
    (not a backlog fired at once)."""
    assert [i for k, i in events if k == "backlog_respread"] == [
        {"mailbox": REP_ADDRESS, "sends": len(PROSPECTS)}
    ]
    assert respread.at is not None
    assert respread.states == ["scheduled"] * len(PROSPECTS)
    first, *later = respread.due
    assert respread.at - timedelta(seconds=5) <= first <= respread.at
    assert all(due > respread.at for due in later), (respread.at, later)
    assert all(b - a >= MIN_GAP for a, b in pairwise(respread.due)), respread.due


def _engine_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("outreach")
    ]


async def _delivered_once(sandbox: Sandbox, sent: list[Send]) -> None:
    """Each sent prospect holds exactly its one message; no Message-ID arrived twice."""
    received = []
    for address in PROSPECTS:
        received += await sandbox.messages_async(address)
    ids = [m["Message-ID"] for m in received]
    assert len(ids) == len(set(ids)) == len(sent), ids
    assert set(ids) == {s.message_id for s in sent}


async def test_a_backlog_days_overdue_goes_out_at_human_pace(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="outreach")
    db = open_store()
    sequence = write_sequence(tmp_path / "s.yaml", gap=GAP, steps=1)
    sandbox_campaign(db, sandbox, sequence, PROSPECTS)
    _laptop_slept(db)
    events: Events = []
    respread = Respread(db, events)
    engine = send_engine(db, fast_config(misfire_grace=GRACE), on_event=respread)
    task = asyncio.create_task(engine.run(), name="engine")
    running = still_running(task)
    try:
        await until(lambda: respread.at, 10, what="the backlog re-spread", guard=running)
        # Then the sends go out one by one, each a gap after the last, until all are out.
        await until(lambda: count_sends(db), 25, what="6 sends", guard=running,
                    ok=lambda n: n == len(PROSPECTS))  # fmt: skip
        assert not task.done()  # the engine (and its worker) kept running throughout
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)

    _spread_at_pace(respread, events)

    sent = [s for s in _queue(db) if s.state == "sent"]
    times = sorted(as_utc(s.sent_at) for s in sent if s.sent_at is not None)
    assert len(times) == len(PROSPECTS)
    assert times[0] >= respread.at
    assert all(b - a >= MIN_GAP for a, b in pairwise(times)), times
    await _delivered_once(sandbox, sent)
    assert [k for k, _ in events].count("sent") == len(PROSPECTS)
    assert _engine_errors(caplog) == []


async def test_a_backlog_over_the_daily_cap_waits_for_later_days(
    sandbox: Sandbox,
    outreach_home: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="outreach")
    db = open_store()
    sequence = write_sequence(tmp_path / "s.yaml", gap=GAP, steps=1)
    sequence.write_text(sequence.read_text().replace("daily_cap: 1000", "daily_cap: 2"))
    sandbox_campaign(db, sandbox, sequence, PROSPECTS)
    _laptop_slept(db)
    with Session(db) as session:
        zone = mailbox_zone(session.exec(select(Mailbox)).one())  # the daily cap's day
    looks: list[int] = []  # sends out at each of the worker's looks at its queue
    choose = MailboxWorker._choose

    def counting(
        worker: MailboxWorker, now: datetime
    ) -> tuple[tuple[int, int] | None, datetime | None]:
        looks.append(count_sends(db))
        return choose(worker, now)

    monkeypatch.setattr(MailboxWorker, "_choose", counting)
    events: Events = []
    respread = Respread(db, events)
    # The idle worker looks at its queue again every half second: plenty of chances to
    # send a third message today if anything let it.
    config = fast_config(misfire_grace=GRACE, idle_recheck=0.5)
    engine = send_engine(db, config, on_event=respread)
    task = asyncio.create_task(engine.run(), name="engine")
    running = still_running(task)
    try:
        await until(lambda: count_sends(db), 15, what="today's 2 sends", guard=running,
                    ok=lambda n: n >= 2)  # fmt: skip
        after_second = len(looks)
        await until(lambda: len(looks), 10, what="5 more looks at the queue", guard=running,
                    ok=lambda n: n >= after_second + 5)  # fmt: skip
        assert not task.done()
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)

    assert [i for k, i in events if k == "backlog_respread"] == [
        {"mailbox": REP_ADDRESS, "sends": len(PROSPECTS)}
    ]
    assert respread.at is not None
    today = respread.at.astimezone(zone).date()
    days = [due.astimezone(zone).date() for due in respread.due]
    assert days.count(today) == 2, days
    assert all(day > today for day in days if day != today), days
    assert count_sends(db) == 2
    assert looks[after_second:] and set(looks[after_second:]) == {2}
    queue = _queue(db)
    waiting = [as_utc(s.due_at).astimezone(zone).date() for s in queue if s.state == "scheduled"]
    assert len(waiting) == len(PROSPECTS) - 2
    assert all(day > today for day in waiting), waiting
    await _delivered_once(sandbox, [s for s in queue if s.state == "sent"])
    assert _engine_errors(caplog) == []


async def test_an_engine_suspended_with_the_laptop_re_spreads_when_it_wakes(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The lid closes while the engine runs: the process is suspended while its worker
    sleeps until its next send, and on resume the wall clock is three days further. The
    worker notices it slept far past its plan and re-spreads (not only at start)."""
    caplog.set_level(logging.INFO, logger="outreach")
    db = open_store()
    sequence = write_sequence(tmp_path / "s.yaml", gap=GAP, steps=1)
    sandbox_campaign(db, sandbox, sequence, PROSPECTS)
    _move_due(db, timedelta(hours=1))  # due in an hour: the running worker goes to sleep
    events: Events = []
    respread = Respread(db, events)
    engine = send_engine(db, fast_config(misfire_grace=GRACE), on_event=respread)
    task = asyncio.create_task(engine.run(), name="engine")
    running = still_running(task)
    try:
        mailbox_id = await until(lambda: next(iter(engine.workers), None), 10,
                                 what="the mailbox's worker", guard=running,
                                 ok=lambda m: m is not None)  # fmt: skip
        assert mailbox_id is not None
        worker = engine.workers[mailbox_id]
        planned = await until(lambda: worker.next_wake, 10, guard=running,
                              what="the worker asleep until its next look",
                              ok=lambda at: at is not None and at > utcnow())  # fmt: skip
        assert planned is not None
        assert respread.at is None and count_sends(db) == 0  # nothing was overdue at start
        # Three days pass while the process is suspended. Rather than move the clock
        # forward, move what the worker planned back by as much (its wake-up and the due
        # times), with no await in between so the worker cannot run halfway; then the
        # wake-up fires, as the scheduler's timer does on resume.
        worker.next_wake = planned - SLEPT
        _move_due(db, -SLEPT)
        engine.wake(mailbox_id)
        await until(lambda: respread.at, 10, what="the backlog re-spread", guard=running)
        await until(lambda: count_sends(db), 15, what="3 sends", guard=running,
                    ok=lambda n: n >= 3)  # fmt: skip
        assert not task.done()
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)

    _spread_at_pace(respread, events)
    sent = [s for s in _queue(db) if s.state == "sent"]
    times = sorted(as_utc(s.sent_at) for s in sent if s.sent_at is not None)
    assert len(times) == len(sent) >= 3
    assert all(b - a >= MIN_GAP for a, b in pairwise(times)), times
    await _delivered_once(sandbox, sent)
    assert _engine_errors(caplog) == []
