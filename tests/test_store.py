"""The store: init is idempotent, SQLite runs in WAL with private files, migrations keep rows."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.store import make_engine, open_store, session_scope, upgrade
from outreach.store.migrate import current_revision, head_revision
from outreach.store.models import Mailbox, Prospect


def test_init_twice_is_a_no_op(any_db: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["init"])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    schema_before = _schema(any_db)
    second = runner.invoke(cli, ["init"])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    assert _schema(any_db) == schema_before


def _schema(url: str) -> list[tuple[str, str, str]]:
    from sqlalchemy import inspect

    inspector = inspect(make_engine(url))
    return sorted(
        (table, column["name"], str(column["type"]))
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
    )


def test_sqlite_is_wal_and_private(outreach_home: Path) -> None:
    engine = open_store()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with session_scope(engine) as session:  # a write makes SQLite create -wal/-shm
        session.add(_mailbox("x@sales.test"))
    for path in outreach_home.iterdir():
        if path.name.startswith("outreach.db"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(outreach_home.stat().st_mode) == 0o700


def test_outreach_db_url_overrides_home(tmp_path: Path, outreach_home: Path, monkeypatch) -> None:
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("OUTREACH_DB_URL", f"sqlite:///{other}")
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert other.exists()
    assert not (outreach_home / "outreach.db").exists()


def test_upgrade_from_every_older_revision_keeps_rows(any_db: str, tmp_path: Path) -> None:
    for revision in _revisions()[:-1]:
        engine = make_engine(any_db if "postgres" in any_db else f"sqlite:///{tmp_path / f'old-{revision}.db'}")
        if "postgres" in any_db:
            _reset_postgres(engine)
        upgrade(engine, revision)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO prospect (email, domain, fields, created_at, updated_at) "
                    "VALUES ('old@acme.test', 'acme.test', '{\"role\": \"CTO\"}', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with Session(engine) as session:
            prospect = session.exec(select(Prospect)).one()
        assert prospect.email == "old@acme.test"
        assert prospect.fields == {"role": "CTO"}


def _reset_postgres(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from outreach.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_models_match_migrations(any_db: str) -> None:
    """The migrations build exactly the schema the models describe (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = open_store(any_db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def _mailbox(email: str) -> Mailbox:
    return Mailbox(
        email=email,
        username=email,
        smtp_host="127.0.0.1",
        smtp_port=25,
        imap_host="127.0.0.1",
        imap_port=143,
    )


def test_the_schema_head_known_without_alembic_is_alembics_head() -> None:
    """Commands read the schema version without loading Alembic; the constant they compare
    with must be the newest migration."""
    from outreach.store.migrate import head_revision
    from outreach.store.schema import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD
