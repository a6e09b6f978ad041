"""Read-only, damaged and newer-version databases: one sentence for every command, no traceback."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from outreach.cli import cli
from outreach.store import open_store, upgrade

# One command of each kind: the ones that write, that only read, and `init` itself.
COMMANDS = [
    ["init"],
    ["campaign", "list"],
    ["prospects", "list"],
    ["suppress", "add", "someone@acme.test"],
    ["status"],
]


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def _assert_one_sentence(result: Result, *words: str) -> None:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("error: "), result.output
    for word in words:
        assert word in result.output, result.output


def _initialised(home: Path) -> Path:
    open_store().dispose()
    return home / "outreach.db"


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_garbage_file_is_named_as_not_a_database(outreach_home: Path, args: list[str]) -> None:
    outreach_home.mkdir(parents=True, exist_ok=True)
    db = outreach_home / "outreach.db"
    db.write_bytes(os.urandom(8192))
    result = _run(args)
    _assert_one_sentence(result, str(db), "not a usable outreach database", "backup")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_unknown_revision_is_a_newer_database(outreach_home: Path, args: list[str]) -> None:
    db = _initialised(outreach_home)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    result = _run(args)
    _assert_one_sentence(result, str(db), "0099_from_the_future", "newer", "upgrade outreach")
    with sqlite3.connect(db) as conn:  # and nothing was touched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0099_from_the_future",)
        ]


def test_unknown_revision_is_refused_on_postgres(pg_url: str) -> None:
    from sqlalchemy import text

    from outreach.store import DatabaseTooNew, make_engine

    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(DatabaseTooNew, match="newer"):
        open_store(pg_url)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_read_only_uri_is_named(
    outreach_home: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """``mode=ro`` holds even for root, which ignores file permissions."""
    db = _initialised(outreach_home)
    monkeypatch.setenv("OUTREACH_DB_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    result = _run(args)
    _assert_one_sentence(result, str(db), "cannot write", "writable")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_read_only_file_is_named(outreach_home: Path, args: list[str]) -> None:
    db = _initialised(outreach_home)
    db.chmod(stat.S_IRUSR)
    try:
        if os.access(db, os.W_OK):
            pytest.skip("running as root: a chmod 0400 file is still writable (see the mode=ro test)")
        result = _run(args)
    finally:
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)
    if args == ["status"]:  # only reads: answers from a read-only file (tests/test_reading.py)
        assert result.exit_code == 0, result.output
        return
    _assert_one_sentence(result, str(db), "read-only", "chmod u+w")


def test_read_only_folder_is_named(outreach_home: Path) -> None:
    db = _initialised(outreach_home)
    outreach_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(outreach_home, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        result = _run(["campaign", "list"])
    finally:
        outreach_home.chmod(stat.S_IRWXU)
    _assert_one_sentence(result, str(db), "folder")


def test_write_refused_mid_command_is_one_sentence(
    outreach_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that becomes read-only after it was opened still gives the sentence."""
    _initialised(outreach_home)
    monkeypatch.setattr("outreach.store.opening.check_writable", lambda _url: None)
    db = outreach_home / "outreach.db"
    monkeypatch.setenv("OUTREACH_DB_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    result = _run(["suppress", "add", "someone@acme.test"])
    _assert_one_sentence(result, "cannot write", "readonly")
