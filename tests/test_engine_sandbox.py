"""The engine against the embedded sandbox: personalized, threaded, one by one, Sent copies."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from outreach.sandbox import Sandbox
from outreach.services import send_engine
from outreach.store import open_store
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    count_sends,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.polling import still_running, until

PROSPECTS = [f"p{n}@prospects.example" for n in range(3)]


class Calls:
    """The calls of one function: their arguments and a stamp taken at each call."""

    def __init__(self, stamp: Callable[[], object]) -> None:
        self.stamp = stamp
        self.seen: list[tuple[tuple[object, ...], dict[str, object], object]] = []

    @property
    def n(self) -> int:
        return len(self.seen)

    @property
    def stamps(self) -> list[object]:
        return [stamp for _args, _kwargs, stamp in self.seen]


def count_calls(  # type: ignore[no-untyped-def]
    monkeypatch, owner: object, name: str, stamp: Callable[[], object] = lambda: None
) -> Calls:
    """Count the calls of ``owner.name`` (still calling through) for this test."""
    calls, original = Calls(stamp), getattr(owner, name)

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.seen.append((args, kwargs, calls.stamp()))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


async def test_three_steps_threaded_to_each_prospect(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    for address in PROSPECTS:
        sandbox.add_user(address, "x")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, PROSPECTS)
    start_campaign(
        db, "c", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-1s"), [REP_ADDRESS]
    )
    events: list[tuple[str, dict[str, object]]] = []
    engine = send_engine(db, fast_config(), on_event=lambda k, i: events.append((k, i)))
    await run_engine_until(engine, lambda: count_sends(db), 30, what="9 sends", ok=lambda n: n == 9)

    for n, address in enumerate(PROSPECTS):
        inbox = await sandbox.wait_for_messages_async(address, 3)
        first, second, third = inbox
        assert first["Subject"] == "Hello Prospects"
        assert f"Hi P{n}, step one" in first.get_content()
        assert second["Subject"] == "Re: Hello Prospects"
        assert second["In-Reply-To"] == first["Message-ID"]
        assert third["In-Reply-To"] == first["Message-ID"]
        assert third["References"].split() == [first["Message-ID"], second["Message-ID"]]
        assert "List-Unsubscribe" not in first  # unsubscribe_header is off by default
        assert "Rep Example" in first["From"]
    sent_copies = await sandbox.wait_for_messages_async(REP_ADDRESS, 9, folder="Sent")
    assert len({m["Message-ID"] for m in sent_copies}) == 9
    assert [k for k, _ in events].count("sent") == 9


async def test_suppressed_after_enrollment_gets_no_more_mail(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    from sqlmodel import Session, select

    from outreach.prospects.suppression import suppress
    from outreach.store import session_scope
    from outreach.store.models import Enrollment

    for address in PROSPECTS[:2]:
        sandbox.add_user(address, "x")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, PROSPECTS[:2])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-0s"), [REP_ADDRESS])
    with session_scope(db) as session:
        suppress(session, "@prospects.example", reason="manual", source="test")
    await run_engine_until(
        send_engine(db, fast_config()), lambda: _all_stopped(db), 20, what="every enrollment stopped"
    )
    assert count_sends(db) == 0
    with Session(db) as session:
        reasons = {e.reason for e in session.exec(select(Enrollment))}
    assert reasons == {"suppressed (manual)"}


def _all_stopped(db) -> bool:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from outreach.store.models import Enrollment

    with Session(db) as session:
        return all(e.state == "stopped" for e in session.exec(select(Enrollment)))


async def test_a_lost_lease_neither_sends_nor_spins(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path, monkeypatch
) -> None:
    """Another engine took the mailbox over while this one still lists it as held: the
    worker declines each send, waits for the next heartbeat instead of asking again at
    once, and the event loop stays free for everything else."""
    import asyncio

    from outreach.engine import worker as worker_module

    sandbox.add_user(PROSPECTS[0], "x")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, PROSPECTS[:1])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-0s"), [REP_ADDRESS])
    ticks = 0
    looks = count_calls(monkeypatch, worker_module, "load_facts", stamp=lambda: ticks)
    engine = send_engine(db, fast_config(heartbeat=0.5, pacing=False))
    monkeypatch.setattr(engine.leases, "still_holds", lambda _conn, _mailbox: False)
    beats = count_calls(monkeypatch, engine.presence, "beat")

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    tick_task = asyncio.create_task(ticker())
    try:
        await run_engine_until(engine, lambda: beats.n, 10, what="4 heartbeats", ok=lambda n: n >= 4)
    finally:
        tick_task.cancel()
    assert count_sends(db) == 0
    assert count_sends(db, "scheduled") == 1
    # Each heartbeat or refresh may wake the worker for one look: not thousands.
    assert 1 <= looks.n <= 2 * beats.n, (looks.n, beats.n)
    # Between two looks the loop ran other tasks (a 50 ms ticker): the worker never spins.
    stamps = looks.stamps
    assert all(b > a for a, b in pairwise(stamps)), stamps  # type: ignore[operator]


async def test_idle_workers_sleep_until_the_refresh_finds_them_work(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path, monkeypatch
) -> None:
    """With nothing queued, workers do not poll their queues on their own; the engine's
    refresh (one query for all mailboxes) wakes the one whose campaign starts."""
    import asyncio

    from outreach.engine import worker as worker_module

    sandbox.add_user(PROSPECTS[0], "x")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    for n in range(4):
        sandbox.add_user(f"idle{n}@sales.example", "pw")
        add_mailbox(db, f"idle{n}@sales.example", "pw", ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, PROSPECTS[:1])
    looks = count_calls(monkeypatch, worker_module.MailboxWorker, "_next_due")
    engine = send_engine(db, fast_config(poll_interval=0.3, idle_recheck=600.0))
    refreshes = count_calls(monkeypatch, engine, "refresh")
    task = asyncio.create_task(engine.run(), name="engine")
    running = still_running(task)

    def scans() -> int:
        return sum(1 for _args, kwargs, _stamp in refreshes.seen if kwargs.get("scan"))

    try:
        await until(lambda: looks.n, 10, what="each of the 5 workers' first look",
                    ok=lambda n: n >= 5, guard=running)
        after_first_looks = scans()
        await until(scans, 10, what="3 more refresh scans", guard=running,
                    ok=lambda n: n >= after_first_looks + 3)
        assert looks.n == 5  # each worker looked once at start; the scans woke none of them
        start_campaign(
            db, "c", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-0s"), [REP_ADDRESS]
        )
        await until(lambda: count_sends(db), 15, what="3 sends", ok=lambda n: n >= 3,
                    guard=running)
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)
    assert len(await sandbox.wait_for_messages_async(PROSPECTS[0], 3)) == 3
