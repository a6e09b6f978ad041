"""A database that cannot be used, said in one sentence: what is wrong, which file, what to do.

Driver errors (sqlite3, psycopg through SQLAlchemy) are translated here at the store's
boundary so every command — they all open the store — reports the same sentence instead
of a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from outreach.errors import OutreachError
from outreach.i18n import _

#: What a command may meet when the database itself is the problem.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, sqlite3.Error)

_READ_ONLY_WORDS = ("readonly", "read-only", "read only")
_DAMAGED_WORDS = ("file is not a database", "database disk image is malformed")


class StoreError(OutreachError):
    """The database could not be opened or migrated."""


class DatabaseReadOnly(StoreError):
    """The database (or the folder it lives in) cannot be written."""


class DatabaseDamaged(StoreError):
    """The file is not a SQLite database, or one whose pages are corrupt."""


class DatabaseTooNew(StoreError):
    """The schema was written by a newer outreach than this one."""


def sqlite_file(url: str | URL) -> Path | None:
    """The file behind a SQLite URL (``file:`` URIs included); None for memory or servers."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    database = parsed.database
    if parsed.query.get("uri") in ("true", "1") and database.startswith("file:"):
        database = database.removeprefix("file:")
    if database == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def check_writable(url: str | URL) -> None:
    """Raise :class:`DatabaseReadOnly` when the SQLite file or its folder cannot be written.

    SQLite opens a read-only file without complaint and fails only at the first write, deep
    inside some command; saying so before anything runs is the one clear place.
    """
    path = sqlite_file(url)
    if path is None:
        return
    if make_url(url).query.get("mode") == "ro":
        raise read_only(path, _("it is opened with mode=ro"))
    if path.exists() and not os.access(path, os.W_OK):
        raise read_only(path, _("the file is read-only"))
    folder = path.parent if path.parent != Path("") else Path(".")
    if folder.exists() and not os.access(folder, os.W_OK):
        raise read_only(path, _("its folder {folder} is read-only (SQLite writes its journal "
                                "there)").format(folder=folder))


def read_only(path: Path | str, why: str) -> DatabaseReadOnly:
    return DatabaseReadOnly(
        _("cannot write to the database {path}: {why}").format(path=path, why=why),
        hint=_("make it writable ({command} and its folder) or set OUTREACH_DB_URL to a "
               "database you can write").format(command=f"chmod u+w {path}"),
    )


def damaged(path: Path | str, detail: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        _("{path} is not a usable outreach database ({detail})").format(
            path=path, detail=detail),
        hint=_("restore it from a backup (e.g. a {name} file next to it), or move it aside "
               "and run `outreach init` to start a new one").format(
            name=f"{Path(path).name}.bak-*"),
    )


def too_new(where: str, revision: str, known: str) -> DatabaseTooNew:
    return DatabaseTooNew(
        _("the database {where} has schema {revision}, which this version of outreach does "
          "not know (it knows up to {known}): a newer outreach wrote it").format(
            where=where, revision=revision, known=known),
        hint=_("upgrade outreach (pip install -U outreach), or set OUTREACH_DB_URL / "
               "OUTREACH_HOME to another database"),
    )


def explain(exc: BaseException, url: str | URL) -> StoreError | None:
    """The one-sentence error for a driver error on ``url``, or None when it is not one we know."""
    if isinstance(exc, StoreError):
        return exc
    words = str(exc).lower()
    where = describe(url)
    if any(word in words for word in _READ_ONLY_WORDS):
        return read_only(where, _("it refused a write (attempt to write a readonly database)"))
    if any(word in words for word in _DAMAGED_WORDS):
        return damaged(where, _first_line(getattr(exc, "orig", None) or exc))
    if isinstance(exc, PermissionError):
        return read_only(where, _("permission denied ({error})").format(error=exc.strerror))
    return None


def describe(url: str | URL) -> str:
    """The file of a SQLite URL, else the URL without its password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
