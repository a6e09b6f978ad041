"""The quick read path (:mod:`outreach.store.reading`) gives the answers of the full one.

``status`` and ``mailbox list`` read a current SQLite file with the standard library's
``sqlite3`` (:class:`SqliteReader`) and everything else through SQLAlchemy
(:class:`EngineReader`). Here one database, filled through the product, is read both ways
and on PostgreSQL, and the figures are checked against what the rows imply: a send after
the mailbox's local midnight counts today and one before it does not, whatever the zone.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert
from sqlmodel import col, select

from outreach import accounts
from outreach.campaigns import service
from outreach.cli import cli
from outreach.engine.presence import Presence
from outreach.engine.recovery import respread_backlog
from outreach.lifecycle.facts import load_facts
from outreach.lifecycle.mailboxes import note_sent_copy_failed
from outreach.lifecycle.sending import defer, mark_filed, mark_sending, record_sent, reschedule
from outreach.mailbox.account import make_endpoint
from outreach.states import PENDING
from outreach.store import open_store, session_scope
from outreach.store.migrate import current_revision
from outreach.store.models import Mailbox, MailboxLease, Prospect, ProspectTag, Send, utcnow
from outreach.store.reading import EngineReader, SqliteReader, open_reader
from outreach.store.records import MailboxRecord, OAuthSettings, mailbox_records, mailbox_summary
from outreach.store.schema import SCHEMA_HEAD
from outreach.views.sent_copies import sent_copies
from outreach.views.status import status
from tests.store_support import database_at
from tests.test_tui_support import NOW, REP, REP2, seed_world

ROOT = Path(__file__).resolve().parents[1]
TOKYO = "tokyo@sales.example"  # UTC+9: local midnight of 2 March is 1 March 15:00 UTC
NEW_YORK = "ny@sales.example"  # UTC-5 (before DST): local midnight is 2 March 05:00 UTC
SSO = "sso@sales.example"  # signs in with OAuth, paused by hand
FAILED_AT = datetime(2026, 3, 1, 15, 11, tzinfo=UTC)
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic")


@dataclass
class Seeded:
    db: Engine
    presence: Presence


def _mailbox(db: Engine, email: str, **options: Any) -> None:
    accounts.add_mailbox(db, accounts.NewMailbox(
        email=email,
        smtp=make_endpoint("smtp", "127.0.0.1", 2525, "none"),
        imap=make_endpoint("imap", "127.0.0.1", 1143, "none"),
        **options,
    ), None)  # fmt: skip


def _prospects(db: Engine, tag: str, count: int) -> None:
    with session_scope(db) as session:
        for n in range(count):
            row = Prospect(
                email=f"{tag}{n}@client.example",
                domain="client.example",
                first_name=f"P{n}",
                company="Client",
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(row)
            session.flush()
            session.add(ProspectTag(prospect_id=row.id, tag=tag))


def _campaign_sends(db: Engine, name: str, sequence: Path, mailbox: str) -> list[int]:
    _prospects(db, name, 4)
    service.create_campaign(db, name, sequence, [mailbox], tags=[name])
    service.start_campaign(db, name, now=NOW - timedelta(days=2))
    with session_scope(db) as session:
        mailbox_id = session.exec(select(Mailbox.id).where(Mailbox.email == mailbox)).one()
        return list(
            session.exec(
                select(Send.id).where(Send.mailbox_id == mailbox_id).order_by(col(Send.id))
            ).all()
        )


def _sent(db: Engine, send_id: int, at: datetime, filed: bool) -> None:
    with db.begin() as conn:
        mark_sending(conn, send_id, at, subject="Hello", in_reply_to=None, references=None)
        facts = load_facts(conn, send_id)
        assert facts is not None
        assert record_sent(conn, facts, "250 2.0.0 OK", at)[0]
        mark_filed(conn, send_id, filed)


def seed(home: Path, url: str | None = None) -> Seeded:
    """The fixed TUI world (Lena ramping in UTC, Tom paused after a refused login) plus a
    mailbox in Tokyo and one in New York with sends on both sides of their midnight, a
    deferred and an in-doubt send, a failed Sent copy, an OAuth mailbox paused by hand, a
    registered engine and a lease it holds."""
    world = seed_world(home, db_url=url)
    db = world.db
    _mailbox(db, TOKYO, daily_cap=30, ramp="5+5/day", sent_copy="append",
             password_command="echo x")  # fmt: skip
    accounts.edit_mailbox(db, TOKYO, accounts.MailboxChanges(timezone="Asia/Tokyo"), None)
    _mailbox(db, NEW_YORK, daily_cap=20, sent_copy="server", password_command="echo x")
    accounts.edit_mailbox(db, NEW_YORK, accounts.MailboxChanges(timezone="America/New_York"),
                          None)  # fmt: skip
    _mailbox(db, SSO, oauth=OAuthSettings("microsoft365", "client-1234", "contoso.example"))
    accounts.set_paused(db, SSO, True, "paused by hand")

    tokyo = _campaign_sends(db, "tokyo", world.sequence, TOKYO)
    _sent(db, tokyo[0], datetime(2026, 3, 1, 14, 50, tzinfo=UTC), filed=True)  # 23:50 on 1 March
    _sent(db, tokyo[1], datetime(2026, 3, 1, 15, 10, tzinfo=UTC), filed=False)  # 00:10 on 2 March
    with db.begin() as conn:
        note_sent_copy_failed(conn, _id(db, TOKYO), "Sent", "NO [TRYCREATE] no such folder",
                              FAILED_AT)  # fmt: skip
        facts = load_facts(conn, tokyo[2])
        assert facts is not None
        defer(conn, facts, 451, "4.7.1 try again later", NOW - timedelta(minutes=10),
              NOW - timedelta(hours=1))  # fmt: skip
        mark_sending(conn, tokyo[3], NOW - timedelta(minutes=5), subject="Hello",
                     in_reply_to=None, references=None)  # fmt: skip

    new_york = _campaign_sends(db, "newyork", world.sequence, NEW_YORK)
    _sent(db, new_york[0], datetime(2026, 3, 2, 4, 50, tzinfo=UTC), filed=False)  # 23:50, 1 March
    _sent(db, new_york[1], datetime(2026, 3, 2, 5, 10, tzinfo=UTC), filed=False)  # 00:10, 2 March
    with db.begin() as conn:  # the server files New York's copies: its failures are no warning
        note_sent_copy_failed(conn, _id(db, NEW_YORK), "Sent", "NO quota", FAILED_AT)
        reschedule(conn, {new_york[2]: NOW - timedelta(minutes=1),
                          new_york[3]: NOW + timedelta(hours=2)}, NOW)  # fmt: skip

    presence = Presence(db, "daemon")
    presence.start()
    with db.begin() as conn:  # a lease held (the engine writes these on PostgreSQL only)
        conn.execute(insert(MailboxLease), [
            {"mailbox_id": _id(db, TOKYO), "holder": presence.id,
             "expires_at": utcnow() + timedelta(days=1), "acquired_at": NOW},
            {"mailbox_id": _id(db, NEW_YORK), "holder": presence.id,  # expired: held by none
             "expires_at": NOW - timedelta(minutes=1), "acquired_at": NOW - timedelta(hours=1)},
        ])  # fmt: skip
    return Seeded(db, presence)


def _id(db: Engine, email: str) -> int:
    with session_scope(db) as session:
        return session.exec(select(Mailbox.id).where(Mailbox.email == email)).one() or 0


@pytest.fixture
def seeded(outreach_home: Path) -> Iterator[Seeded]:
    seeded = seed(outreach_home)
    yield seeded
    seeded.presence.stop()
    seeded.db.dispose()


def _checkpoint(db: Engine) -> None:
    with db.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _by_email(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in result["mailboxes"]}


def _pending_in_orm(db: Engine, email: str) -> tuple[int, int, datetime | None]:
    """Pending, due now and next due of a mailbox, counted with the ORM (not the view's SQL)."""
    with session_scope(db) as session:
        due = [
            s.due_at
            for s in session.exec(
                select(Send)
                .join(Mailbox)
                .where(Mailbox.email == email, col(Send.state).in_([str(s) for s in PENDING]))
            )
        ]
    times = [d.replace(tzinfo=UTC) if d.tzinfo is None else d for d in due if d is not None]
    return len(due), sum(1 for d in times if d <= NOW), min(times, default=None)


def test_status_is_the_same_both_ways_and_what_the_rows_say(
    seeded: Seeded, outreach_home: Path
) -> None:
    db, path = seeded.db, outreach_home / "outreach.db"
    quick = SqliteReader(path)
    full = EngineReader(db)
    assert status(quick, NOW) == status(full, NOW)
    assert _types(status(quick, NOW)) == _types(status(full, NOW))  # 0 == False, 1 == True
    assert mailbox_records(quick) == mailbox_records(full)
    assert _types([vars(r) for r in mailbox_records(quick)]) == _types(
        [vars(r) for r in mailbox_records(full)]
    )
    records = mailbox_records(quick)
    assert sent_copies(quick, records) == sent_copies(full, records)
    with session_scope(db) as session:
        rows = session.exec(select(Mailbox).order_by(col(Mailbox.email))).all()
        assert [mailbox_summary(r) for r in records] == [mailbox_summary(r) for r in rows]
        assert {f.name: getattr(r, f.name) for r in rows for f in fields(MailboxRecord)} == {
            f.name: getattr(r, f.name) for r in records for f in fields(MailboxRecord)
        }

    result = status(quick, NOW)
    boxes = _by_email(result)
    assert sorted(boxes) == sorted([REP, REP2, TOKYO, NEW_YORK, SSO])
    tokyo, new_york = boxes[TOKYO], boxes[NEW_YORK]
    # one send on each side of the mailbox's own midnight: only the later one is today's
    assert (tokyo["sent_today"], new_york["sent_today"]) == (1, 1)
    # Tokyo's first send was on 1 March there: day 2 of 5+5/day
    assert (tokyo["cap_today"], tokyo["daily_cap"], tokyo["ramping"]) == (10, 30, True)
    assert tokyo["today"] == "1 / 10 ramping" and new_york["today"] == "1 / 20"
    for email, box in ((TOKYO, tokyo), (NEW_YORK, new_york)):
        assert (box["pending"], box["due_now"], box["next_due_at"]) == _pending_in_orm(db, email)
    assert (tokyo["due_now"], tokyo["next_due_at"]) == (1, NOW - timedelta(minutes=10))
    assert (new_york["due_now"], new_york["next_due_at"]) == (1, NOW - timedelta(minutes=1))
    assert tokyo["last_sent_at"] == datetime(2026, 3, 1, 15, 10, tzinfo=UTC)
    for box in boxes.values():
        for name in ("next_due_at", "last_sent_at"):
            assert box[name] is None or box[name].utcoffset() == timedelta(0), (name, box)
    # the Sent copies: Tokyo files its own (one unfiled, one in doubt); New York's server does
    assert tokyo["sent_copies"] == {"unfiled": 1, "in_doubt": 1, "folder": "Sent",
                                    "error": "NO [TRYCREATE] no such folder",
                                    "failed_at": FAILED_AT, "plus_unusable": None}  # fmt: skip
    assert tokyo["warning"] and "1 sent not filed in Sent" in tokyo["warning"]
    assert new_york["warning"] is None and new_york["sent_copies"]["unfiled"] == 0
    # leases, engines, pauses
    assert (tokyo["lease_holder"], new_york["lease_holder"]) == (seeded.presence.id, None)
    [engine] = result["engines"]
    assert (engine["id"], engine["kind"], engine["pid"]) == (seeded.presence.id, "daemon",
                                                             os.getpid())  # fmt: skip
    assert engine["alive"] is True and engine["mailboxes"] == (TOKYO,)
    assert engine["heartbeat_at"].utcoffset() == timedelta(0)
    assert boxes[REP2]["paused"] is True and boxes[REP2]["pause_reason"]
    assert boxes[SSO]["paused"] is True and boxes[SSO]["pause_reason"] == "paused by hand"
    assert tokyo["paused"] is False and result["database"] is None
    [sso] = [r for r in records if r.email == SSO]
    assert mailbox_summary(sso)["oauth"] == {
        "provider": "microsoft365",
        "client_id": "client-1234",
        "tenant": "contoso.example",
        "issuer": None,
    }


def _comparable(result: dict[str, Any], engine_id: str) -> dict[str, Any]:
    """A status with the engine's own id and clock (different per run) taken out."""
    engines = []
    for e in result["engines"]:
        for name in ("started_at", "heartbeat_at"):
            assert isinstance(e[name], datetime) and e[name].utcoffset() == timedelta(0)
        engines.append({**e, "id": e["id"] == engine_id, "started_at": None,
                        "heartbeat_at": None})  # fmt: skip
    boxes = [{**m, "lease_holder": m["lease_holder"] == engine_id} for m in result["mailboxes"]]
    return {**result, "engines": engines, "mailboxes": boxes}


def _types(value: Any) -> Any:
    """The Python type of every leaf (a bool must stay a bool, a time a datetime)."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_types(v) for v in value]
    return type(value).__name__


def test_postgresql_reads_the_same_as_sqlite(
    seeded: Seeded, outreach_home: Path, pg_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    on_sqlite = status(SqliteReader(outreach_home / "outreach.db"), NOW)
    other_home = tmp_path / "pg-home"
    monkeypatch.setenv("OUTREACH_HOME", str(other_home))
    on_pg = seed(other_home, pg_url)
    try:
        reader = open_reader(pg_url)
        assert isinstance(reader, EngineReader)
        result = status(reader, NOW)
        assert _comparable(result, on_pg.presence.id) == _comparable(on_sqlite, seeded.presence.id)
        assert _types(result) == _types(on_sqlite)
        tokyo = _by_email(result)[TOKYO]
        assert tokyo["paused"] is False and tokyo["sent_copies"]["failed_at"] == FAILED_AT
        on_both = [
            mailbox_records(r) for r in (reader, SqliteReader(outreach_home / "outreach.db"))
        ]
        assert [[_unclocked(r) for r in records] for records in on_both] == [
            [_unclocked(r) for r in on_both[1]]
        ] * 2
    finally:
        on_pg.presence.stop()
        on_pg.db.dispose()


def _unclocked(record: MailboxRecord) -> MailboxRecord:
    """A record without the times the product stamps from the real clock (aware UTC)."""
    for at in (record.created_at, record.paused_at):
        assert at is None or at.utcoffset() == timedelta(0), record
    return replace(record, created_at=None, paused_at=None)


def test_a_mailbox_record_has_every_column_of_the_table() -> None:
    columns = [c.name for c in Mailbox.__table__.columns]  # type: ignore[attr-defined]
    assert sorted(f.name for f in fields(MailboxRecord)) == sorted(columns)


# -- open_reader chooses ------------------------------------------------------------------


def test_a_current_file_is_read_quickly(outreach_home: Path) -> None:
    open_store().dispose()
    reader = open_reader()
    assert isinstance(reader, SqliteReader) and reader.path == outreach_home / "outreach.db"


def test_no_file_is_created_through_the_store(outreach_home: Path) -> None:
    path = outreach_home / "outreach.db"
    assert not path.exists()
    reader = open_reader()
    assert isinstance(reader, EngineReader) and path.is_file()
    assert SqliteReader(path).revision() == SCHEMA_HEAD
    assert isinstance(open_reader(), SqliteReader)  # current now


def test_an_older_database_is_migrated_first(outreach_home: Path) -> None:
    outreach_home.mkdir(parents=True)
    path = outreach_home / "outreach.db"
    database_at(path, "0002", rows_per_table=3)
    assert SqliteReader(path).revision() == "0002"
    reader = open_reader()
    assert isinstance(reader, EngineReader)
    assert current_revision(reader.engine) == SCHEMA_HEAD
    assert [r.email for r in mailbox_records(reader)] == [f"email-{i}@acme.test" for i in (1, 2, 3)]
    assert isinstance(open_reader(), SqliteReader)


@pytest.mark.parametrize("args", [["status"], ["mailbox", "list"], ["status", "--json"]],
                         ids=" ".join)  # fmt: skip
def test_a_damaged_file_is_explained_in_one_sentence(outreach_home: Path, args: list[str]) -> None:
    outreach_home.mkdir(parents=True)
    path = outreach_home / "outreach.db"
    path.write_bytes(b"not a database, just garbage " * 400)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("error: "), result.output
    assert str(path) in result.output and "not a usable outreach database" in result.output


def test_a_url_with_options_goes_through_sqlalchemy(
    outreach_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store().dispose()
    monkeypatch.setenv("OUTREACH_DB_URL", f"sqlite:///{outreach_home / 'outreach.db'}?timeout=5")
    reader = open_reader()
    assert isinstance(reader, EngineReader)
    assert reader.engine.url.query == {"timeout": "5"}


# -- the CLI: no SQLAlchemy, the same JSON ------------------------------------------------

RUN = """\
import json, sys
from outreach.cli import cli
try:
    cli({args!r}, standalone_mode=False)
finally:
    sys.stdout.flush()
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _cli_in_fresh_python(args: list[str], **env: str) -> tuple[Any, set[str]]:
    """The JSON a command prints, and the modules it loaded, in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", RUN.format(args=args)], env={**os.environ, "PYTHONPATH": str(ROOT),
                                                             **env},
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), set(json.loads(result.stderr.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize("args", [["status", "--json"], ["mailbox", "list", "--json"]],
                         ids=" ".join)  # fmt: skip
def test_the_quick_path_loads_no_sqlalchemy_and_answers_the_same(
    seeded: Seeded, outreach_home: Path, args: list[str]
) -> None:
    _checkpoint(seeded.db)
    path = outreach_home / "outreach.db"
    quick, modules = _cli_in_fresh_python(args, OUTREACH_HOME=str(outreach_home))
    assert _heavy(modules) == []
    full, modules = _cli_in_fresh_python(
        args, OUTREACH_HOME=str(outreach_home), OUTREACH_DB_URL=f"sqlite:///{path}?timeout=30"
    )
    assert "sqlalchemy" in modules  # the other path really was the full one
    assert quick == full
    listed = quick["mailboxes"] if args[0] == "status" else quick
    assert sorted(m["email"] for m in listed) == sorted([REP, REP2, TOKYO, NEW_YORK, SSO])
    [tokyo] = [m for m in listed if m["email"] == TOKYO]
    assert tokyo["sent_copies"]["unfiled"] == 1 and tokyo["sent_copies"]["in_doubt"] == 1


# -- a reader never writes ----------------------------------------------------------------


def _untouched(path: Path, before: bytes, mtime: int) -> None:
    """The database file is as it was, and no page was written to its log: SQLite's reader
    of a WAL database may create an empty ``-wal`` and the shared-memory index ``-shm`` next
    to it (reading needs them), never anything in them that a write would leave."""
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_reading_leaves_the_file_as_it_was(seeded: Seeded, outreach_home: Path) -> None:
    _checkpoint(seeded.db)
    seeded.presence.stop()
    seeded.db.dispose()
    path = outreach_home / "outreach.db"
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert not path.with_name("outreach.db-wal").exists()
    reader = open_reader()
    assert isinstance(reader, SqliteReader)
    assert _by_email(status(reader, NOW))[TOKYO]["sent_today"] == 1
    mailbox_records(reader)
    result = CliRunner().invoke(cli, ["status", "--json"])
    assert result.exit_code == 0, result.output
    _untouched(path, before, mtime)


def test_a_read_only_copy_still_answers(
    seeded: Seeded, outreach_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full path refuses a database it cannot write; ``status`` only reads.

    As root, chmod does not stop writes, so the copy is also opened by SQLite itself with
    ``mode=ro`` (what :class:`SqliteReader` does): any write would fail there."""
    _checkpoint(seeded.db)
    copy = tmp_path / "ro-home"
    copy.mkdir()
    path = copy / "outreach.db"
    shutil.copy(outreach_home / "outreach.db", path)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    (copy / "outreach.db").chmod(0o400)
    copy.chmod(0o500)
    monkeypatch.setenv("OUTREACH_HOME", str(copy))
    try:
        result = CliRunner().invoke(cli, ["status", "--json"])
        listed = CliRunner().invoke(cli, ["mailbox", "list", "--json"])
        with sqlite3.connect(f"file:{copy / 'outreach.db'}?mode=ro", uri=True) as conn:
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("DELETE FROM mailbox")
    finally:
        copy.chmod(0o700)
        (copy / "outreach.db").chmod(0o600)
    assert result.exit_code == 0, result.output
    assert listed.exit_code == 0, listed.output
    assert TOKYO in {m["email"] for m in json.loads(result.output)["mailboxes"]}
    _untouched(path, before, mtime)


# -- found on the way ---------------------------------------------------------------------


def test_a_backlog_of_several_sends_is_spread_again(seeded: Seeded) -> None:
    """The engine waking after days re-spreads every overdue send of a mailbox in one
    statement run per send (``executemany``): it failed as soon as there were two."""
    later = NOW + timedelta(days=3)
    with session_scope(seeded.db) as session:
        mailbox = session.exec(select(Mailbox).where(Mailbox.email == NEW_YORK)).one()
        moved = respread_backlog(session, mailbox, later, timedelta(hours=1), random.Random(7))
    pending, _due, first = _pending_in_orm(seeded.db, NEW_YORK)
    assert moved == pending >= 2
    assert first is not None and first >= later


READ_ONLY_MOUNT = 'mount --bind -o ro "$0" "$1" || exit 77; exec "$2" -c "$3"'


def test_a_read_only_folder_still_answers(
    seeded: Seeded, outreach_home: Path, tmp_path: Path
) -> None:
    """A database in a folder nobody may write (a read-only mount, a copy from a backup):
    SQLite cannot open a WAL database there even with ``mode=ro`` (it would create the
    ``-shm`` index next to it), and the full path refuses an unwritable database, so the
    quick path reads it as immutable. As root a chmod does not stop writes: the folder is
    then mounted read-only in a mount namespace of its own (skipped where that is refused)."""
    _checkpoint(seeded.db)
    seeded.presence.stop()
    seeded.db.dispose()
    args = ["status", "--json"]
    expected, _modules = _cli_in_fresh_python(args, OUTREACH_HOME=str(outreach_home))
    source = tmp_path / "backup"
    source.mkdir()
    shutil.copy(outreach_home / "outreach.db", source / "outreach.db")
    code = RUN.format(args=args)
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("no unshare(1) to mount a folder read-only as root")
        home = tmp_path / "read-only"
        home.mkdir()
        command = ["unshare", "-m", "sh", "-c", READ_ONLY_MOUNT, str(source), str(home),
                   sys.executable, code]  # fmt: skip
    else:
        home = source
        command = [sys.executable, "-c", code]
    source.chmod(0o500)
    try:
        result = subprocess.run(
            command, env={**os.environ, "PYTHONPATH": str(ROOT), "OUTREACH_HOME": str(home)},
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    finally:
        source.chmod(0o700)
    if result.returncode == 77:
        pytest.skip(f"cannot mount read-only here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == expected
    assert _heavy(set(json.loads(result.stderr.splitlines()[-1]))) == []
    assert sorted(os.listdir(source)) == ["outreach.db"]
