"""Upgrades are all or nothing, keep every row, and leave a backup whose path is said once."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event, inspect

from outreach.cli import cli
from outreach.store import make_engine, open_store, upgrade
from outreach.store.migrate import current_revision, head_revision
from tests.store_support import database_at, dump_of


class _Interrupted(Exception):
    pass


@contextmanager
def failing_at_0004(times: int = 1_000) -> Iterator[None]:
    """Engines fail the statement that creates 0004's first table (0003's have run by then)."""
    left = {"n": times}

    def fail(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE DOMAINCHECK") and left["n"]:
            left["n"] -= 1
            raise _Interrupted("interrupted in the middle of the upgrade")

    event.listen(Engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", fail)


def _at_0002(any_db: str, tmp_path: Path) -> Engine:
    url = any_db if "postgres" in any_db else f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    return engine


def test_an_upgrade_that_fails_half_way_leaves_the_old_schema(
    any_db: str, tmp_path: Path
) -> None:
    engine = _at_0002(any_db, tmp_path)
    with failing_at_0004(), pytest.raises(_Interrupted):
        upgrade(engine)
    assert current_revision(engine) == "0002"
    assert "engineinstance" not in inspect(engine).get_table_names()  # 0003 rolled back too


def test_the_next_start_after_a_failed_upgrade_works(any_db: str, tmp_path: Path) -> None:
    engine = _at_0002(any_db, tmp_path)
    with failing_at_0004(times=1):
        with pytest.raises(_Interrupted):
            upgrade(engine)
        assert current_revision(engine) == "0002"
        assert upgrade(engine).after == head_revision()
    assert {"engineinstance", "domaincheck"} <= set(inspect(engine).get_table_names())


def test_upgrade_from_0001_keeps_every_row_of_every_table(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    before = database_at(db, "0001", rows_per_table=20)
    open_store(f"sqlite:///{db}", notify=lambda _line: None)
    assert dump_of(db, before) == before


def test_init_backs_up_once_and_says_where(outreach_home: Path) -> None:
    outreach_home.mkdir(parents=True)
    db = outreach_home / "outreach.db"
    before = database_at(db, "0002", rows_per_table=5)

    first = CliRunner().invoke(cli, ["init"])
    assert first.exit_code == 0, first.output
    backups = sorted(outreach_home.glob("outreach.db.bak-*"))
    assert len(backups) == 1
    assert first.stderr.count(str(backups[0])) == 1, first.stderr
    assert str(backups[0]) not in first.stdout
    assert "upgraded (schema" in first.stdout
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert dump_of(backups[0], before) == before
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]

    again = CliRunner().invoke(cli, ["init"])
    assert again.exit_code == 0, again.output
    assert again.stderr == ""
    assert sorted(outreach_home.glob("outreach.db.bak-*")) == backups


def test_a_new_database_needs_no_backup(outreach_home: Path) -> None:
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert list(outreach_home.glob("*.bak-*")) == []


def test_a_failed_upgrade_keeps_its_backup(outreach_home: Path) -> None:
    outreach_home.mkdir(parents=True)
    database_at(outreach_home / "outreach.db", "0002", rows_per_table=2)
    with failing_at_0004():
        result = CliRunner().invoke(cli, ["campaign", "list"])
    assert isinstance(result.exception, _Interrupted)
    assert len(list(outreach_home.glob("outreach.db.bak-*"))) == 1
    assert "backed up the database" in result.stderr


@pytest.mark.parametrize("left_behind", [1, 2, 3, 4])
def test_a_database_left_half_upgraded_by_older_versions_upgrades(
    tmp_path: Path, left_behind: int
) -> None:
    """Issue 16: a kill during 0003 used to leave some of its tables at schema 0002."""
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference, "0003")
    with reference.connect() as conn:
        ddl = [
            sql
            for (sql,) in conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE tbl_name IN ('engineinstance', "
                "'mailboxlease') AND sql IS NOT NULL ORDER BY tbl_name != 'engineinstance', "
                "type != 'table'"
            )
        ]
    db = tmp_path / "broken.db"
    before = database_at(db, "0002", rows_per_table=3)
    with sqlite3.connect(db) as conn:
        for statement in ddl[:left_behind]:
            conn.execute(statement)
    assert open_store(f"sqlite:///{db}", notify=lambda _line: None)
    assert dump_of(db, before) == before
    assert current_revision(make_engine(f"sqlite:///{db}")) == head_revision()


def test_two_upgrades_at_once_both_succeed(any_db: str, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = str(_at_0002(any_db, tmp_path).url.render_as_string(hide_password=False))
    engines = [make_engine(url), make_engine(url)]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda engine: upgrade(engine).after, engines))
    assert done == [head_revision(), head_revision()]
