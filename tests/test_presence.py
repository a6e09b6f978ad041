"""One engine per mailbox: the SQLite lock, and PostgreSQL leases with takeover."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from outreach.engine.presence import EngineBusy, Leases, Presence, running_engines
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Mailbox, utcnow
from tests.fixtures.campaigns import fast_config


def add_mailboxes(url: str, count: int) -> None:
    db = open_store(url)
    with db.begin() as conn:
        conn.execute(insert(Mailbox), [
            {"email": f"rep{n}@sales.test", "username": f"rep{n}", "smtp_host": "127.0.0.1",
             "smtp_port": 25, "imap_host": "127.0.0.1", "imap_port": 143, "daily_cap": 40,
             "created_at": utcnow(), "smtp_security": "none", "imap_security": "none",
             "insecure_skip_verify": False, "secret_source": "command", "paused": False,
             "append_to_sent": "auto", "password_command": "echo x"} for n in range(count)])


async def test_second_engine_on_sqlite_refuses_and_names_the_holder(outreach_home: Path) -> None:
    db = open_store()
    first = send_engine(db, fast_config(), kind="daemon")
    task = asyncio.create_task(first.run())
    async with asyncio.timeout(10):
        while not running_engines(db):
            await asyncio.sleep(0.02)
    second = send_engine(open_store(), fast_config())
    with pytest.raises(EngineBusy, match=r"daemon on .+, pid \d+, since"):
        await second.run()
    first.stop()
    await task
    third = send_engine(db, fast_config())  # the lock is free again once the first stopped
    third_task = asyncio.create_task(third.run())
    async with asyncio.timeout(10):
        while not any(e.alive for e in running_engines(db)):
            await asyncio.sleep(0.02)
    third.stop()
    await third_task


def test_leases_share_mailboxes_and_take_over_a_dead_engine(pg_url: str) -> None:
    add_mailboxes(pg_url, 9)
    ttl = timedelta(seconds=1)
    engines = [Presence(open_store(pg_url), "daemon", ttl) for _ in range(3)]
    leases = [Leases(p.db, p) for p in engines]
    for p in engines:
        p.start()
    for _ in range(2):  # the first round claims greedily; the second settles on fair shares
        held = [lease.sync() for lease in leases]
    assert sorted(len(h) for h in held) == [3, 3, 3]
    assert set().union(*held) == set(range(1, 10)) and sum(map(len, held)) == 9
    dead = held[0]  # engine 0 dies: no more heartbeats, no goodbye
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for p, lease in zip(engines[1:], leases[1:], strict=True):
            p.beat()
            lease.sync()
        if leases[1].held | leases[2].held == set(range(1, 10)):
            break
        time.sleep(0.1)  # the lease clock: heartbeats go on while we wait for expiry
    assert leases[1].held | leases[2].held == set(range(1, 10))
    assert not leases[1].held & leases[2].held
    assert dead <= leases[1].held | leases[2].held
    for p in engines[1:]:
        p.stop()
