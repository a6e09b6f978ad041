"""One engine per mailbox: the SQLite lock, and PostgreSQL leases with takeover."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from outreach.engine.presence import EngineBusy, Leases, Presence, running_engines
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Mailbox, utcnow
from tests.fixtures.campaigns import fast_config
from tests.polling import still_running, until, until_sync


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
    task = asyncio.create_task(first.run(), name="first engine")
    await until(lambda: running_engines(db), 10, what="the first engine registered",
                guard=still_running(task))
    second = send_engine(open_store(), fast_config())
    with pytest.raises(EngineBusy, match=r"daemon on .+, pid \d+, since"):
        await second.run()
    first.stop()
    await task
    third = send_engine(db, fast_config())  # the lock is free again once the first stopped
    third_task = asyncio.create_task(third.run(), name="third engine")
    await until(lambda: any(e.alive for e in running_engines(db)), 10,
                what="the third engine alive", guard=still_running(third_task))
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

    def beat_and_sync() -> set[int]:
        """One heartbeat of the two living engines; the mailboxes they hold after it."""
        for p, lease in zip(engines[1:], leases[1:], strict=True):
            p.beat()
            lease.sync()
        return leases[1].held | leases[2].held

    # heartbeats go on (every 0.1 s) while the dead engine's leases expire
    until_sync(beat_and_sync, 10, what="every mailbox held by the living engines",
               ok=lambda held: held == set(range(1, 10)), step=0.1)
    assert not leases[1].held & leases[2].held
    assert dead <= leases[1].held | leases[2].held
    for p in engines[1:]:
        p.stop()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
async def test_engine_through_another_path_to_the_same_file_refuses(
    tmp_path: Path, outreach_home: Path, link: str
) -> None:
    """A symlink or a hard link to a database another engine runs on: refused (the second
    engine is another process, as in life; SQLite itself cannot open a hard link to a file
    it has open in the same process)."""
    real = tmp_path / "data" / "outreach.db"
    db = open_store(f"sqlite:///{real}")
    other = tmp_path / "elsewhere" / "outreach.db"
    other.parent.mkdir()
    other.symlink_to(real) if link == "symlink" else os.link(real, other)
    first = send_engine(db, fast_config(), kind="daemon")
    task = asyncio.create_task(first.run(), name="first engine")
    await until(lambda: running_engines(db), 10, what="the first engine registered",
                guard=still_running(task))
    second = await asyncio.to_thread(_outreach_run, f"sqlite:///{other}")
    first.stop()
    await task
    assert second.returncode == EngineBusy.exit_code, second.stderr
    assert "an engine is already running on this database" in second.stderr
    assert "daemon on" in second.stderr or "has not registered" in second.stderr


def _outreach_run(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OUTREACH_DB_URL": url, "PYTHONPATH": str(Path.cwd())}
    return subprocess.run([sys.executable, "-m", "outreach", "run"], env=env, timeout=60,
                          capture_output=True, text=True)
