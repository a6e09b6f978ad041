"""Reading the database without loading SQLAlchemy: the quick path of read-only commands.

``status``, ``mailbox list`` and ``sequence check`` should answer at once, but importing
SQLAlchemy, SQLModel and pydantic alone takes about 300 ms. The read models behind those
commands (:mod:`outreach.views.status`, :mod:`outreach.views.sent_copies`, the mailbox day
of :mod:`outreach.views.numbers` …) are therefore written as SQL over a :class:`Reader`:

- :class:`SqliteReader` runs it through the standard library's ``sqlite3``, read-only. The
  CLI uses it on a SQLite database whose schema is current (:func:`open_reader`).
- :class:`EngineReader` runs the same SQL through an SQLAlchemy engine: on PostgreSQL, on a
  database that must be migrated first, and in the TUI, which has its engine open anyway.

So each number still has one query; only the driver differs. The SQL is portable (SQLite
and PostgreSQL): ``:name`` parameters, no JSON operators, booleans tested with ``NOT``.
Times are stored as SQLAlchemy writes them (naive UTC): :meth:`Reader.time` reads either
form back as an aware UTC datetime, and datetime parameters are bound in the stored form.

Read only: a reader never writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from outreach import paths
from outreach.store.schema import SCHEMA_HEAD

if TYPE_CHECKING:
    from sqlalchemy import Engine

Params = Mapping[str, Any]
Row = tuple[Any, ...]

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy stores a DateTime in SQLite (UTC wall time, no offset): comparisons in SQL
are string comparisons there, so a bound time must have exactly this form."""


class Reader(Protocol):
    """Runs read-only SQL and returns plain rows."""

    @property
    def path(self) -> Path | None:
        """The SQLite file (None: a database server)."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql`` (SQLAlchemy's dialect name)."""

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        """The rows of one SELECT (``:name`` parameters; datetimes in any time zone)."""


def utcnow() -> datetime:
    """Aware UTC now: every stored time is UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Stored datetimes come back aware from SQLModel; tolerate naive ones as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def time(value: str | datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives text, PostgreSQL datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def json_value(value: Any) -> Any:
    """A stored JSON column (SQLite gives text; PostgreSQL's driver may have parsed it)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def one_of(name: str, values: Iterable[object]) -> tuple[str, dict[str, str]]:
    """``(:name0, :name1, …)`` and its parameters: an IN list in portable SQL."""
    params = {f"{name}{i}": str(value) for i, value in enumerate(values)}
    return "(" + ", ".join(":" + key for key in params) + ")", params


def stored_time(value: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (naive UTC wall time, microseconds)."""
    return as_utc(value).replace(tzinfo=None).strftime(SQLITE_TIME)


class SqliteReader:
    """The quick path: a read-only ``sqlite3`` connection to the database file."""

    def __init__(self, path: Path, *, immutable: bool = False) -> None:
        self._path = path
        uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
        self._conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def dialect(self) -> str:
        return "sqlite"

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        return self._conn.execute(sql, _sqlite_params(params)).fetchall()

    def revision(self) -> str | None:
        """The schema revision stamped in the file (None: never migrated)."""
        try:
            found = self._conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise  # not that it was never migrated: the file cannot be read (as it is)
            return None
        return str(found[0]) if found else None

    def close(self) -> None:
        self._conn.close()


def _sqlite_params(params: Params | None) -> dict[str, Any]:
    return {k: stored_time(v) if isinstance(v, datetime) else v for k, v in (params or {}).items()}


class EngineReader:
    """The same SQL through an SQLAlchemy engine (PostgreSQL, the TUI, a fresh migration)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    @property
    def path(self) -> Path | None:
        database = self.engine.url.database or ""
        if self.engine.dialect.name != "sqlite" or database in ("", ":memory:"):
            return None
        return Path(database)

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(self._statement(sql, params))]

    def _statement(self, sql: str, params: Params | None) -> Any:
        from sqlalchemy import DateTime, bindparam, text  # loaded already wherever an engine is

        binds = [
            bindparam(name, value, type_=DateTime()) if isinstance(value, datetime)
            else bindparam(name, value)
            for name, value in (params or {}).items()
        ]  # fmt: skip
        return text(sql).bindparams(*binds)


def reader_of(source: Engine | Reader) -> Reader:
    """A reader for an SQLAlchemy engine, or the reader itself."""
    if hasattr(source, "rows"):
        return source  # type: ignore[return-value]
    return EngineReader(source)


def open_reader(url: str | None = None) -> Reader:
    """A reader on the database, quick when it can be.

    A SQLite file whose schema is current is read with ``sqlite3`` directly; anything else
    (a server, a missing or older database, a file ``sqlite3`` cannot open read-only) goes
    through :func:`outreach.store.open_store`, which creates, migrates or explains it.
    """
    url = url or paths.database_url()
    quick = _quick_reader(url)
    if quick is not None:
        return quick
    from outreach.store import open_store

    return EngineReader(open_store(url))


def _quick_reader(url: str) -> SqliteReader | None:
    path = _plain_sqlite_file(url)
    if path is None or not path.is_file():
        return None
    for immutable in (False, True) if _frozen(path) else (False,):
        try:
            reader = SqliteReader(path, immutable=immutable)
            current = reader.revision() == SCHEMA_HEAD
        except sqlite3.Error:
            continue  # damaged, locked for good, unreadable: the full path says what is wrong
        if current:
            return reader
        reader.close()
        return None
    return None


def _frozen(path: Path) -> bool:
    """Whether nobody can write the file from here: its folder is read-only (a read-only
    mount or copy) and it has no write-ahead log. SQLite cannot open a WAL database there
    even read-only (it would create the ``-shm`` index), but may read it as immutable."""
    return not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists()


def _plain_sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no driver options, no URI); else None."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url.removeprefix(prefix)
            if rest and "?" not in rest and rest != ":memory:":
                return Path(rest)
    return None
