"""Logs: one line per event, the same in text and JSON, ISO 8601 UTC, steps from 1; the
daemon against the embedded sandbox logs a send and the prospect's reply."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outreach import logs
from outreach.daemon import log_event
from outreach.sandbox import Sandbox
from outreach.store import open_store
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.polling import until_sync

ROOT = Path(__file__).resolve().parents[1]
SENT = {"campaign": "q1", "mailbox": REP_ADDRESS, "to": "max@acme.example", "step": 0,
        "subject": "Hello Max", "message_id": "<1@x>",
        "next_due_at": datetime(2026, 1, 5, 9, 30)}  # naive = UTC, as the store keeps it


def test_event_line_normalises_the_reports() -> None:
    event, fields = logs.event_line("sent", SENT)
    assert event == "sent"
    assert fields["step"] == 1 and fields["prospect"] == "max@acme.example"
    assert fields["next_due_at"] == "2026-01-05T09:30:00Z"
    held = logs.event_line("reply", {"mailbox": REP_ADDRESS, "held": "forged?", "actions": []})
    assert held[0] == "held" and held[1]["classified_as"] == "reply"
    assert logs.event_line("pause_mailbox", {})[0] == "mailbox_paused"
    assert logs.event_line("give_up", {})[0] == "failed"
    aware = datetime(2026, 1, 5, 10, 30, tzinfo=UTC).astimezone()
    assert logs.iso_utc(aware) == "2026-01-05T10:30:00Z"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def _configure(fmt: str, stream: io.StringIO, *, verbose: bool = False) -> None:
    logs.configure(fmt, verbose=verbose)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def test_text_and_json_carry_the_same_event(captured: io.StringIO) -> None:
    _configure("json", captured)
    log_event("sent", SENT)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("imapclient.imaplib").info("> b'A1 LOGIN'")
    [line] = captured.getvalue().splitlines()  # no library chatter
    record = json.loads(line)
    assert record["event"] == "sent" and record["step"] == 1
    assert {record["campaign"], record["mailbox"], record["prospect"]} == {
        "q1", REP_ADDRESS, "max@acme.example"}
    assert record["next_due_at"] == "2026-01-05T09:30:00Z" and record["ts"].endswith("+00:00")

    text = io.StringIO()
    _configure("text", text)
    log_event("sent", SENT)
    [line] = text.getvalue().splitlines()
    stamp, _, rest = line.partition(" ")
    assert stamp.endswith("Z") and datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    for key in ("campaign=q1", f"mailbox={REP_ADDRESS}", "prospect=max@acme.example",
                "step=1", "next_due_at=2026-01-05T09:30:00Z", '"Hello Max"'):
        assert key in rest, line


def test_library_logs_with_verbose(captured: io.StringIO) -> None:
    _configure("text", captured, verbose=True)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert "Context impl" in captured.getvalue()


def test_daemon_logs_a_send_and_the_reply_as_json(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    sandbox.persona("anna@acme.example", "reply", language="en")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, ["anna@acme.example"])
    start_campaign(db, "q1", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s"),
                   [REP_ADDRESS])
    log = tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "outreach", "daemon", "--poll", "0.5", "--log-format", "json"],
        env=env, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )

    def events() -> dict[str, dict[str, object]]:
        lines = [json.loads(t) for t in log.read_text().splitlines() if t.startswith("{")]
        return {str(line.get("event")): line for line in lines}

    try:
        until_sync(events, 60, what="a sent and a reply line",
                   ok=lambda seen: {"sent", "reply"} <= seen.keys())
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    seen = events()
    sent, reply = seen["sent"], seen["reply"]
    assert (sent["step"], sent["campaign"], sent["mailbox"], sent["prospect"]) == (
        1, "q1", REP_ADDRESS, "anna@acme.example")
    assert datetime.fromisoformat(str(sent["ts"])).tzinfo is not None
    assert (reply["campaign"], reply["prospect"], reply["mailbox"]) == (
        "q1", "anna@acme.example", REP_ADDRESS)
    assert not [line for line in log.read_text().splitlines() if not line.startswith("{")]
    loggers = {str(line["logger"]) for line in map(json.loads, log.read_text().splitlines())}
    assert all(name.startswith("outreach") for name in loggers), loggers
