"""Schema migrations (Alembic), run in-process: ``outreach init`` creates or upgrades.

An upgrade is all or nothing: every pending revision runs in one transaction, on SQLite as
well as on PostgreSQL, so a process killed half-way leaves the schema it started from (SQLite
rolls the journal back on the next open) and the next start simply upgrades again. Before
touching an existing SQLite database, a consistent copy of it is written next to it.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from outreach.i18n import _
from outreach.store.problems import StoreError, describe, explain, sqlite_file, too_new
from outreach.store.schema import Notify, Upgrade

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_UPGRADE_LOCK = 0x6F757472  # "outr": the PostgreSQL advisory lock key of schema upgrades


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, notify: Notify | None = None) -> Upgrade:
    """Bring the schema to ``revision`` in one transaction; a no-op when already there.

    An existing SQLite database is copied first; ``notify`` hears the copy's path.
    Raises :class:`StoreError` (or a subclass) with what to do when it cannot.
    """
    try:
        return _upgrade(engine, revision, notify or (lambda _line: None))
    except (SQLAlchemyError, CommandError, OSError) as exc:
        raise explain(exc, engine.url) or StoreError(
            _("could not migrate the database {where}: {error}").format(
                where=describe(engine.url), error=exc),
            hint=_("check OUTREACH_DB_URL / OUTREACH_HOME and that the database is reachable"),
        ) from exc


def _upgrade(engine: Engine, revision: str, notify: Notify) -> Upgrade:
    before = current_revision(engine)
    _refuse_unknown(engine, before)
    target = head_revision() if revision == "head" else revision
    if before == target:
        return Upgrade(before, target)
    backup = backup_sqlite(engine) if before is not None else None
    if backup is not None:
        notify(_("backed up the database before upgrading it (schema {schema}) to {path}").format(
            schema=before, path=backup))
    _run_in_one_transaction(engine, revision)
    return Upgrade(before, current_revision(engine) or "", backup)


def _refuse_unknown(engine: Engine, revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise too_new(describe(engine.url), revision, head_revision())


def _run_in_one_transaction(engine: Engine, revision: str) -> None:
    config = alembic_config()
    migrating = _migration_engine(engine)
    try:
        with migrating.begin() as conn:
            _queue_behind_other_upgrades(conn)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        if migrating is not engine:
            migrating.dispose()


def _queue_behind_other_upgrades(conn: Connection) -> None:
    """Two processes upgrading at once: the second waits, then finds nothing left to do.

    SQLite gets this from BEGIN IMMEDIATE; PostgreSQL from a lock held until the commit.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")


def _migration_engine(engine: Engine) -> Engine:
    """An engine whose transactions really enclose DDL.

    pysqlite (Python < 3.12 and legacy mode after) begins transactions only before DML, so
    each CREATE/ALTER/DROP would commit on its own. Following SQLAlchemy's recipe, the
    driver's transaction handling is switched off and we emit BEGIN ourselves — IMMEDIATE,
    so two processes upgrading at once queue for the write lock instead of failing.
    PostgreSQL has transactional DDL already.
    """
    if engine.dialect.name != "sqlite":
        return engine
    migrating = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(migrating, "connect", _take_over_transactions)
    event.listen(migrating, "begin", _begin_immediate)
    return migrating


def _take_over_transactions(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    # Batch migrations rebuild a table by copy, DROP and RENAME; SQLite's procedure for that
    # (lang_altertable.html, "other kinds of table schema changes") runs with foreign keys off.
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def backup_sqlite(engine: Engine) -> Path | None:
    """A consistent copy of a SQLite database next to it (0600); None for other databases.

    Written under a temporary name and renamed when complete, so a file with the backup's
    name is always a whole database. Backups are never deleted automatically.
    """
    path = sqlite_file(engine.url)
    if path is None or not path.exists():
        return None
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.bak-{stamp}-{secrets.token_hex(3)}")
    partial = target.with_name(target.name + ".partial")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("VACUUM INTO ?", (str(partial),))
    finally:
        raw.close()
    _fsync(partial)
    os.replace(partial, target)
    _fsync(target.parent)
    return target


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
