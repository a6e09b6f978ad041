"""A database that cannot be written: the first failed write stops all sending, nothing is
sent twice after a restart, and the reason shows in status, the dashboard's read model and
the engine's error.

SQLite's ``PRAGMA max_page_count`` (on the engine's connections only) makes SQLite return
its genuine SQLITE_FULL "database or disk is full" as soon as a commit needs a new page.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from outreach.engine.health import DatabaseUnwritable, database_problem
from outreach.sandbox import Sandbox
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Send
from outreach.views.presence import engine_presence
from outreach.views.status import status
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD

PROSPECTS = [f"d{n}@prospects.example" for n in range(30)]
ROOT = Path(__file__).resolve().parents[1]


def _cap_pages(db: Engine, extra: int) -> None:
    """Every connection of ``db`` may grow the file by ``extra`` pages at most."""
    with db.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

    def cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + extra}")

    event.listen(db, "connect", cap)
    db.dispose()


async def test_full_database_halts_sending_and_a_restart_sends_nothing_twice(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    for address in PROSPECTS:
        sandbox.add_user(address, "x")
    setup = open_store()
    ep = sandbox.endpoints
    add_mailbox(setup, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(setup, PROSPECTS)
    sequence = write_sequence(tmp_path / "s.yaml", wait="0s", gap="0s-0s")
    start_campaign(setup, "c", sequence, [REP_ADDRESS])

    full = open_store()
    _cap_pages(full, 1)
    events: list[tuple[str, dict[str, object]]] = []
    engine = send_engine(full, fast_config(pacing=False), on_event=lambda k, i: events.append((k, i)))
    with pytest.raises(DatabaseUnwritable, match="cannot write to the database: disk full"):
        await asyncio.wait_for(engine.run(), 60)  # halts on its own: no stop() needed

    delivered_at_halt = await _delivered(sandbox)
    rows = _states(setup)
    assert sum(delivered_at_halt.values()) == rows["sent"] + rows["sending"]  # none after
    assert rows["sending"] <= 1  # at most the one whose record failed is in doubt
    assert [k for k, _ in events].count("database_unwritable") == 1
    problem = database_problem(setup)
    assert problem is not None and "disk full" in problem
    assert status(setup)["database"] == problem
    assert engine_presence(setup, datetime.now(UTC), running_here=False).problem == problem

    restarted = send_engine(open_store(), fast_config(pacing=False))
    await run_engine_until(
        restarted, lambda: _states(setup)["sent"], 60, what="every step sent",
        ok=lambda n: n == 3 * len(PROSPECTS),
    )
    delivered = await _delivered(sandbox)
    assert set(delivered.values()) == {3}  # each prospect every step, once each
    assert database_problem(setup) is None  # a running engine cleared the halt
    print(
        f"halt: sent {rows['sent']}, in doubt {rows['sending']}, delivered "
        f"{sum(delivered_at_halt.values())}; after restart delivered {sum(delivered.values())}"
        f" of {3 * len(PROSPECTS)}, duplicates {sum(n - 3 for n in delivered.values())}"
    )


async def _delivered(sandbox: Sandbox) -> Counter[str]:
    counts: Counter[str] = Counter()
    for address in PROSPECTS:
        counts[address] = len(await sandbox.messages_async(address))
    return counts


def _states(db: Engine) -> Counter[str]:
    with Session(db) as session:
        rows = session.exec(select(Send.state, func.count()).group_by(Send.state)).all()
    return Counter({state: int(n) for state, n in rows})


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
async def test_outreach_run_on_a_full_disk_stops_with_a_non_zero_exit(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A real full file system (a 16 MB tmpfs, filled: SQLite's WAL alone may grow to 4 MB): ``outreach run`` stops sending at
    the first failed write, says why and exits non-zero; after room is made, a second run
    delivers the rest and nothing twice."""
    volume = tmp_path / "volume"
    volume.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(volume)]
    mounted = await asyncio.to_thread(subprocess.run, mount, capture_output=True, text=True)
    if mounted.returncode != 0:  # root without CAP_SYS_ADMIN (a container): no tmpfs here
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        await _full_disk_run(sandbox, tmp_path, volume)
    finally:
        await asyncio.to_thread(subprocess.run, ["umount", "-l", str(volume)], check=False)


async def _full_disk_run(sandbox: Sandbox, tmp_path: Path, volume: Path) -> None:
    home = volume / "home"
    env = {**os.environ, "OUTREACH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("OUTREACH_DB_URL", None)
    for address in PROSPECTS:
        sandbox.add_user(address, "x")
    previous = os.environ.get("OUTREACH_HOME")
    os.environ["OUTREACH_HOME"] = str(home)
    try:
        setup = open_store()
        ep = sandbox.endpoints
        add_mailbox(setup, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
        add_prospects(setup, PROSPECTS)
        start_campaign(setup, "c", write_sequence(tmp_path / "s.yaml", wait="0s", gap="0s-0s"),
                       [REP_ADDRESS])  # fmt: skip
        setup.dispose()
        filler = volume / "filler"
        with filler.open("wb") as out:  # fill the volume, then give back a little room
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
        with filler.open("r+b") as out:
            out.truncate(max(0, filler.stat().st_size - 96 * 1024))
        first = await _run(env, deadline=90)
        assert first.returncode not in (0, None), first.output
        assert "cannot write to the database" in first.output, first.output
        filler.unlink()
        db = open_store()
        restarted = send_engine(db, fast_config(pacing=False))
        await run_engine_until(
            restarted, lambda: _states(db)["sent"], 90, what="every step sent",
            ok=lambda n: n == 3 * len(PROSPECTS),
        )
        delivered = await _delivered(sandbox)
        assert set(delivered.values()) == {3}  # each prospect every step, once each
    finally:
        if previous is None:
            os.environ.pop("OUTREACH_HOME", None)
        else:
            os.environ["OUTREACH_HOME"] = previous


@dataclass
class _Finished:
    returncode: int | None
    output: str


async def _run(env: dict[str, str], deadline: float) -> _Finished:
    """``outreach run`` until it exits on its own (or the deadline: then it is stopped)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "outreach", "run", "--poll", "0.5", env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), deadline)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        return _Finished(None, out.decode(errors="replace"))
    return _Finished(proc.returncode, out.decode(errors="replace"))
