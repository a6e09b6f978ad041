"""Issue 16 items 10–11: bad values stopped at the door, sent right or refused with the
reason, failed sends retried after a fix; CSV decoding and quoting; secret commands that
hang; an unreachable IMAP server before a follow-up."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from outreach import secrets
from outreach.addresses import normalize_address, wire_address
from outreach.cli import cli
from outreach.errors import ConfigError, ConnectionFailed, InboxUnreachable, SecretError
from outreach.lifecycle import sending
from outreach.lifecycle.facts import load_facts
from outreach.mailbox.compose import Envelope, as_bytes, compose
from outreach.mailbox.smtp import SmtpUtf8Unsupported, utf8_options
from outreach.mailbox.thread import Thread
from outreach.prospects.csv_reader import read_csv_text
from outreach.prospects.rows import parse_prospects
from outreach.sequences.render import RenderedMessage
from outreach.store import open_store
from outreach.store.models import Enrollment, Event, Send, utcnow
from outreach.watcher.config import WatcherConfig
from outreach.watcher.mailbox_watch import Unreachable
from tests.test_campaigns import SEQUENCE, setup
from tests.test_cli_mailbox import add_args

# -- CSV: one stray byte, an unterminated quote ---------------------------------------------


def test_one_cp1252_byte_in_a_utf8_file_keeps_the_file_utf8_and_names_the_line(
    tmp_path: Path,
) -> None:
    rows = [f"p{i}@x.test,Jürgen{i}\n".encode() for i in range(2000)]
    rows[1500] = b"stray@x.test,Ren\xe9\n"
    path = tmp_path / "leads.csv"
    path.write_bytes(b"email,first_name\n" + b"".join(rows))
    source = read_csv_text(path)
    assert source.encoding == "utf-8"
    parsed = parse_prospects(source)
    names = {row.email: row.first_name for row in parsed.rows}
    assert names["p1999@x.test"] == "Jürgen1999"  # not "JÃ¼rgen1999"
    assert names["stray@x.test"] == "René"
    [warning] = parsed.warnings
    assert warning.line == 1502 and "0xe9 is not UTF-8" in warning.message


def test_an_unterminated_quote_is_reported_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        'email,first_name,last_name\na@x.test,"Anna,Maier\nb@x.test,Bob,Baum\n'
        'c@x.test,Carl,"Cee"\nd@x.test,Dora,Ende\n'
    )
    parsed = parse_prospects(read_csv_text(path))
    assert [row.email for row in parsed.rows] == ["d@x.test"]
    [rejection] = parsed.rejected
    assert rejection.line == 2
    assert "quote opened in column 'first_name'" in rejection.reason
    assert "lines 3–4 were read into that field" in rejection.reason


def test_a_multi_line_address_field_is_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text('email,first_name,street\na@x.test,Anna,"Hauptstr. 1\n10115 Berlin"\n')
    parsed = parse_prospects(read_csv_text(path))
    assert not parsed.rejected and parsed.rows[0].fields["street"] == "Hauptstr. 1\n10115 Berlin"


# -- addresses and names at the door -------------------------------------------------------


def test_import_refuses_non_ascii_local_parts_with_the_reason_and_keeps_idn(
    tmp_path: Path,
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        'email,first_name\njörg@example.test,Jörg\nmax@bücher.test,Max\n'
        'anna@xn--bcher-kva.test,"Anna\nMaria"\n'
    )
    parsed = parse_prospects(read_csv_text(path))
    [rejection] = parsed.rejected
    assert rejection.line == 2 and "SMTPUTF8" in rejection.reason
    assert "--allow-smtputf8" in rejection.reason
    rows = {row.email: row for row in parsed.rows}
    assert set(rows) == {"max@bücher.test", "anna@bücher.test"}
    assert rows["anna@bücher.test"].first_name == "Anna Maria"
    assert any("line breaks replaced" in w.message for w in parsed.warnings)
    allowed = parse_prospects(read_csv_text(path), smtputf8=True)
    assert "jörg@example.test" in {row.email for row in allowed.rows}


def test_idn_goes_out_as_a_labels_and_a_name_with_a_line_break_is_refused() -> None:
    assert wire_address(normalize_address("Max@Bücher.test")) == "max@xn--bcher-kva.test"
    envelope = Envelope(
        "rep@sales.test", "Rep", "max@bücher.test", "Max Müller", "<1@sales.test>", utcnow()
    )
    data = as_bytes(compose(envelope, RenderedMessage(subject="Hi", body="Hello"), Thread()))
    assert data.isascii()
    assert message_from_bytes(data)["To"].endswith("<max@xn--bcher-kva.test>")
    bad = Envelope("rep@sales.test", "Rep\r\nBcc: x@evil.test", "a@b.test", None, "<2@s>", utcnow())
    with pytest.raises(ConfigError, match="control character"):
        compose(bad, RenderedMessage(subject="Hi", body="Hello"), Thread())


def test_non_ascii_local_part_is_sent_raw_only_with_smtputf8() -> None:
    envelope = Envelope("rep@sales.test", None, "jörg@example.test", None, "<3@s>", utcnow())
    data = as_bytes(compose(envelope, RenderedMessage(subject="Hi", body="Hello"), Thread()))
    assert "To: jörg@example.test\r\n".encode() in data
    offering = SimpleNamespace(supports_extension=lambda name: name == "smtputf8", hostname="mx")
    lacking = SimpleNamespace(supports_extension=lambda name: False, hostname="mx")
    assert utf8_options(offering, ["rep@sales.test"]) == ([], "ascii")  # type: ignore[arg-type]
    assert utf8_options(offering, ["jörg@example.test"]) == (  # type: ignore[arg-type]
        ["SMTPUTF8"], "utf-8"
    )
    with pytest.raises(SmtpUtf8Unsupported, match="does not offer SMTPUTF8"):
        utf8_options(lacking, ["jörg@example.test"])  # type: ignore[arg-type]


def test_mailbox_add_refuses_a_display_name_with_a_line_break(outreach_home: Path) -> None:
    args = add_args("rep@sales.test", "--password-command", "echo x")
    args[args.index("Rep One")] = "Rep\nOne"
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--name (display name)" in result.output
    args = add_args("jörg@sales.test", "--password-command", "echo x")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "SMTPUTF8" in result.output


# -- campaign retry and show ---------------------------------------------------------------


def _started(tmp_path: Path) -> CliRunner:
    runner = setup(tmp_path, SEQUENCE.replace("{{ job_title }}", "{{ job_title | default('') }}"))
    for args in (
        ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"),
         "--mailbox", "rep@sales.test", "--all"],
        ["campaign", "start", "q1", "--no-verify"],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    return runner


def test_retry_requeues_failed_sends_after_a_fix(outreach_home: Path, tmp_path: Path) -> None:
    runner = _started(tmp_path)
    db = open_store()
    now = utcnow()
    with db.begin() as conn:
        send_ids = [row.id for row in conn.execute(select(Send.id)).all()]  # type: ignore[call-overload]
        for send_id in send_ids[:2]:
            facts = load_facts(conn, send_id)
            assert facts is not None
            sending.give_up(conn, facts, "cannot render: broken", now)
    result = runner.invoke(cli, ["campaign", "retry", "q1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "campaign": "q1", "state": "failed", "campaign_state": "active",
        "enrollments": 2, "sends": 2,
    }  # fmt: skip
    with Session(db) as session:
        assert {e.state for e in session.exec(select(Enrollment))} == {"active"}
        sends = list(session.exec(select(Send)))
        assert {(s.state, s.attempts, s.error) for s in sends} == {("scheduled", 0, None)}
        reopened = session.exec(select(Event).where(Event.kind == "reopened")).all()
        assert len(reopened) == 2 and all(e.data["was"] == "failed" for e in reopened)
    again = json.loads(runner.invoke(cli, ["campaign", "retry", "q1", "--json"]).output)
    assert again["enrollments"] == 0


def test_show_gives_the_due_time_of_a_deferred_send(outreach_home: Path, tmp_path: Path) -> None:
    runner = _started(tmp_path)
    db = open_store()
    now = utcnow()
    retry_at = now + timedelta(hours=3)
    with db.begin() as conn:
        send_id = conn.execute(select(Send.id)).scalars().first()  # type: ignore[call-overload]
        facts = load_facts(conn, send_id)
        assert facts is not None
        sending.defer(conn, facts, 451, "try later", retry_at, now)
        email = facts.prospect.email
    shown = json.loads(runner.invoke(cli, ["campaign", "show", "q1", "--json"]).output)
    row = next(e for e in shown["enrollments"] if e["email"] == email)
    assert row["deferred"] and row["next_send"].startswith("step 1 deferred")
    assert row["next_due_at"].startswith(retry_at.isoformat()[:19])
    due = json.loads(runner.invoke(cli, ["campaign", "retry", "q1", "--state", "deferred",
                                         "--json"]).output)  # fmt: skip
    assert due["sends"] == 1


# -- a hung password command ---------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _hung_command(tmp_path: Path) -> tuple[str, Path]:
    pidfile = tmp_path / "child.pid"
    return f"sleep 300 & echo $! > {pidfile}; wait", pidfile


def _gone(pidfile: Path) -> bool:
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_hung_password_command_is_killed_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "COMMAND_TIMEOUT_S", 1)
    command, pidfile = _hung_command(tmp_path)
    started = time.monotonic()
    with pytest.raises(SecretError, match="did not finish in 1 s"):
        secrets.run_secret_command(command, "rep@sales.test")
    assert time.monotonic() - started < 5
    assert _gone(pidfile)


def test_cancelling_a_secret_fetch_kills_the_command_at_once(tmp_path: Path) -> None:
    command, pidfile = _hung_command(tmp_path)
    ref = secrets.SecretRef("rep@sales.test", "command", command)

    async def cancel_soon() -> float:
        task = asyncio.ensure_future(secrets.fetch_secret_async(ref))
        while not pidfile.exists() or not pidfile.read_text().strip():
            await asyncio.sleep(0.02)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    assert asyncio.run(cancel_soon()) < 1
    assert _gone(pidfile)


# -- an unreachable IMAP server before a follow-up ----------------------------------------


class _DownConnector:
    def __init__(self) -> None:
        self.logins = 0

    def reader(self, account: Any) -> Any:
        self.logins += 1
        raise OSError("connection refused")


def test_an_unreachable_inbox_backs_off_with_one_line_per_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from outreach.watcher.mailbox_watch import MailboxWatch

    watch = MailboxWatch.__new__(MailboxWatch)
    watch.config = WatcherConfig(reconnect_min=60)
    watch.connector = _DownConnector()  # type: ignore[assignment]
    watch.account = SimpleNamespace(email="rep@sales.test")  # type: ignore[assignment]
    watch.lock = asyncio.Lock()
    watch.wanted, watch.checked, watch.stopping = asyncio.Event(), asyncio.Event(), asyncio.Event()
    watch._queued, watch._settle, watch.idling = 0, False, False
    watch._client = None
    watch._inbox_state = None
    watch.backoff = Unreachable("rep@sales.test", 60, 300)

    async def twelve_rechecks() -> list[float]:
        waits = []
        for _ in range(12):
            with pytest.raises(InboxUnreachable) as info:
                await watch.check()
            waits.append(info.value.retry_in)
        return waits

    with caplog.at_level(logging.INFO):
        waits = asyncio.run(twelve_rechecks())
    assert watch.connector.logins == 1  # one attempt: the other eleven wait out the back-off
    records = [r for r in caplog.records if "rep@sales.test" in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is None
    assert "retrying in 60 s" in records[0].getMessage()
    assert all(0 < w <= 60 for w in waits)
    assert isinstance(InboxUnreachable("x", 1), ConnectionFailed)


async def test_a_dead_imap_server_is_logged_once_per_attempt_by_idle_and_checks_together(
    outreach_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The watcher's IDLE connection and its checks share one back-off: a server that
    refuses connections gives one warning line per attempt, not one per connection."""
    import socket

    from outreach.services import inbox_watcher
    from tests.fixtures.campaigns import add_mailbox
    from tests.polling import still_running

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    db = open_store()
    add_mailbox(db, "rep@sales.test", "pw", "127.0.0.1", dead, dead)
    watcher = inbox_watcher(db, WatcherConfig(poll_interval=0.1, reconnect_min=0.5,
                                              reconnect_max=0.5))  # fmt: skip
    with caplog.at_level(logging.WARNING):
        task = asyncio.create_task(watcher.run(), name="watcher")
        started = time.monotonic()
        try:
            while time.monotonic() - started < 3.0:  # six back-off windows of 0.5 s
                still_running(task)()
                await asyncio.sleep(0.05)
        finally:
            watcher.stop()
            await asyncio.wait_for(task, 10)
    lines = [r for r in caplog.records if "rep@sales.test" in r.getMessage()]
    assert 1 <= len(lines) <= 8, [r.getMessage() for r in lines]
    assert all(r.exc_info is None for r in lines)
