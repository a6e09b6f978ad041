"""A mailbox the engine cannot get through shows it: a health warning, not just a log line.

The engine retries a worker's unexpected error at every poll (one bad send never kills the
engine), but a mailbox that fails at every step sends nothing: ``status``, ``mailbox list``
and the dashboard must say so, and say it no longer once a step goes through again.
The fault is the engine's own bug of December 2026, put back for the test: re-spreading a
backlog of two or more overdue sends failed (an expanding IN under executemany). A worker
that cannot start (settle what a crash left, re-spread a backlog) must not send at all —
the backlog would go out in one burst — so it retries its start, and the mailbox says why
it sends nothing; once the start goes through, the backlog goes out at pace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, bindparam, text, update

from outreach.lifecycle import sending
from outreach.sandbox import Sandbox
from outreach.services import send_engine
from outreach.states import PENDING
from outreach.store import open_store
from outreach.store.models import as_utc
from outreach.store.reading import EngineReader, open_reader
from outreach.store.repository import SEND
from outreach.views.status import status
from tests.fixtures.campaigns import (
    count_sends,
    fast_config,
    sandbox_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS
from tests.polling import still_running, until

PROSPECTS = ["ada@prospects.example", "bob@prospects.example"]
Events = list[tuple[str, dict[str, object]]]


def _old_reschedule(conn: Connection, due: Mapping[int, datetime], now: datetime) -> None:
    """``lifecycle.sending.reschedule`` as it was before the fix (the bug, verbatim)."""
    conn.execute(
        update(SEND)
        .where(SEND.c.id == bindparam("sid"), SEND.c.state.in_(PENDING))
        .values(due_at=bindparam("due"), updated_at=bindparam("at")),
        [{"sid": sid, "due": as_utc(at), "at": now} for sid, at in due.items()],
    )


def _laptop_slept(db: Engine) -> None:
    """The queue a laptop asleep for three days leaves: every send overdue (written
    directly: nothing in the product moves due times into the past)."""
    with db.begin() as conn:
        conn.execute(text("UPDATE send SET due_at = :at"),
                     {"at": (datetime.now().astimezone() - timedelta(days=3))})  # fmt: skip


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.getMessage().endswith("could not start; retrying"))


def _warning(db: Engine) -> str | None:
    [mailbox] = status(EngineReader(db))["mailboxes"]
    return mailbox["warning"]  # type: ignore[no-any-return]


async def test_an_engine_error_is_a_mailbox_warning_until_it_clears(
    sandbox: Sandbox,
    outreach_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="outreach")
    db = open_store()
    sequence = write_sequence(tmp_path / "s.yaml", gap="1s-2s", steps=1)
    sandbox_campaign(db, sandbox, sequence, PROSPECTS)
    _laptop_slept(db)
    fixed = sending.reschedule
    monkeypatch.setattr(sending, "reschedule", _old_reschedule)
    events: Events = []
    config = fast_config(misfire_grace=timedelta(seconds=30))
    engine = send_engine(db, config, on_event=lambda kind, info: events.append((kind, info)))
    task = asyncio.create_task(engine.run(), name="engine")
    running = still_running(task)
    try:
        await until(lambda: [i for k, i in events if k == "engine_error"], 10,
                    what="the engine's error reported", guard=running)  # fmt: skip
        warning = _warning(db)
        assert warning is not None and "cannot send from this mailbox" in warning
        quick = status(open_reader())["mailboxes"][0]  # the quick path says the same
        assert quick["warning"] == warning
        assert quick["sent_copies"]["engine_error"]
        # More polls fail the same way: logged each time, recorded once.
        await until(lambda: _retries(caplog), 4 * config.poll_interval + 5,
                    what="a few retries", ok=lambda n: n >= 3, guard=running)  # fmt: skip
        assert count_sends(db) == 0
        monkeypatch.setattr(sending, "reschedule", fixed)  # the bug fixed: the start goes through
        await until(lambda: count_sends(db), 15, what="both sends", guard=running,
                    ok=lambda n: n == len(PROSPECTS))  # fmt: skip
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)

    kinds = [k for k, _ in events]
    assert kinds.count("engine_error") == 1, kinds
    assert kinds.count("engine_recovered") == 1
    assert kinds.index("engine_error") < kinds.index("engine_recovered") < kinds.index("sent")
    [error] = [i for k, i in events if k == "engine_error"]
    assert error["mailbox"] == REP_ADDRESS
    assert "executemany" in str(error["message"])
    assert _warning(db) is None
    with db.connect() as conn:
        stored = conn.execute(text(
            "SELECT kind FROM event WHERE kind LIKE 'engine_%' ORDER BY id")).scalars().all()
    assert stored == ["engine_error", "engine_recovered"]
