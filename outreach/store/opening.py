"""Opening the store: an engine on an up-to-date schema, migrating first when needed."""

from __future__ import annotations

import sys

from sqlalchemy import Engine

from outreach import paths
from outreach.i18n import _
from outreach.store.db import make_engine
from outreach.store.problems import (
    DATABASE_ERRORS,
    StoreError,
    check_writable,
    describe,
    explain,
)
from outreach.store.schema import SCHEMA_HEAD, Notify, Upgrade, stored_revision

__all__ = ["open_store", "prepare_store", "upgrade"]


def upgrade(engine: Engine, revision: str = "head", *, notify: Notify | None = None) -> Upgrade:
    """:func:`outreach.store.migrate.upgrade` (Alembic is imported on first use)."""
    from outreach.store import migrate

    return migrate.upgrade(engine, revision, notify=notify)


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
        before = stored_revision(engine)
        if before == SCHEMA_HEAD:
            return engine, Upgrade(before, before)
        from outreach.store.migrate import upgrade  # Alembic: only when there is work

        return engine, upgrade(engine, notify=notify or _to_stderr)
    except DATABASE_ERRORS + (OSError,) as exc:
        raise explain(exc, url) or StoreError(
            _("could not open the database {where}: {error}").format(
                where=describe(url), error=exc),
            hint=_("check OUTREACH_DB_URL / OUTREACH_HOME and that the database is reachable"),
        ) from exc


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
