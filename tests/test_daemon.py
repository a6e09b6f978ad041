"""``outreach daemon`` as ops run it: JSON logs, status, SIGTERM mid-send, restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.crash_harness import Harness
from tests.fixtures.mailstack import MailStack
from tests.polling import until_sync

pytestmark = pytest.mark.mailstack


def daemon(harness: Harness, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "outreach", "daemon", "--no-watcher", "--poll", "0.5",
         "--log-format", "json"],
        env=harness.env, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


def alive(proc: subprocess.Popen[bytes]) -> Callable[[], None]:
    """A wait's guard: fail at once when the daemon exited."""

    def check() -> None:
        if proc.poll() is not None:
            raise AssertionError(f"the daemon exited with {proc.returncode}")

    return check


def sending_now(harness: Harness) -> bool:
    import sqlite3

    with sqlite3.connect(harness.db_path, timeout=30) as conn:
        return bool(conn.execute("SELECT count(*) FROM send WHERE state='sending'").fetchone()[0])


def test_sigterm_mid_send_exits_fast_and_nothing_is_lost_or_doubled(
    mailstack: MailStack, tmp_path: Path
) -> None:
    harness = Harness(mailstack, tmp_path, prospects=12, steps=2, sent_copy="plus")
    harness.prepare()
    log = tmp_path / "daemon.log"
    proc = daemon(harness, log)
    until_sync(lambda: harness.sent_count() >= 2 and sending_now(harness), 60,
               what="2 sends and one in flight", guard=alive(proc))
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(12) == 0
    assert time.monotonic() - stopped_at <= 10
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    events = [line.get("event") for line in lines]
    assert "sent" in events and "stopping" in events and events[-1] == "daemon_stop"
    assert all({"ts", "level", "logger", "msg"} <= line.keys() for line in lines)

    status = json.loads(harness.cli("status", "--json"))
    assert not any(e["alive"] for e in status["engines"])
    restarted = daemon(harness, tmp_path / "daemon2.log")
    try:
        until_sync(harness.sent_count, 60, what=f"all {harness.expected} sends",
                   ok=lambda n: n == harness.expected, guard=alive(restarted))
        live = json.loads(harness.cli("status", "--json"))
        [engine] = [e for e in live["engines"] if e["alive"]]
        assert engine["kind"] == "daemon" and engine["pid"] == restarted.pid
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(12) == 0
    delivered = harness.delivered_ids()
    assert set(delivered) == harness.expected_ids()
    assert max(delivered.values()) == 1
