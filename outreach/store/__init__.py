"""The store: SQLModel tables, the engine factory and migrations."""

from __future__ import annotations

import sys

from sqlalchemy import Engine

from outreach import paths
from outreach.store.db import make_engine, session_scope
from outreach.store.migrate import Notify, Upgrade, current_revision, head_revision, upgrade
from outreach.store.problems import (
    DATABASE_ERRORS,
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseTooNew,
    StoreError,
    check_writable,
    describe,
    explain,
)

__all__ = [
    "DATABASE_ERRORS",
    "DatabaseDamaged",
    "DatabaseReadOnly",
    "DatabaseTooNew",
    "StoreError",
    "Upgrade",
    "explain",
    "make_engine",
    "open_store",
    "prepare_store",
    "session_scope",
    "upgrade",
]


def open_store(url: str | None = None, *, notify: Notify | None = None) -> Engine:
    """An engine on an up-to-date schema (migrating first when the DB is older).

    Raises :class:`StoreError` — read-only, damaged, newer than this version, unreachable —
    with one sentence saying what is wrong, where, and what to do.
    """
    return prepare_store(url, notify=notify)[0]


def prepare_store(
    url: str | None = None, *, notify: Notify | None = None
) -> tuple[Engine, Upgrade]:
    """Like :func:`open_store`, also saying what the upgrade did (``outreach init``).

    ``notify`` hears the path of the backup taken before an upgrade (default: stderr).
    """
    url = url or paths.database_url()
    try:
        check_writable(url)
        engine = make_engine(url)
        before = current_revision(engine)
        if before == head_revision():
            return engine, Upgrade(before, before)
        return engine, upgrade(engine, notify=notify or _to_stderr)
    except DATABASE_ERRORS + (OSError,) as exc:
        raise explain(exc, url) or StoreError(
            f"could not open the database {describe(url)}: {exc}",
            hint="check OUTREACH_DB_URL / OUTREACH_HOME and that the database is reachable",
        ) from exc


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
