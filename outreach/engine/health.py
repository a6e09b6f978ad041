"""Can the engine write to its database? When it cannot, sending stops at once.

A send whose acceptance cannot be recorded would be sent again after a restart, and every
later send would widen that gap: the first failed write halts the engine
(:class:`DatabaseUnwritable`), and :func:`database_problem` tells ``outreach status`` and
the dashboard why — from a note the halting engine leaves next to the database, or, when
the disk is too full even for that note, from the free space on the database's volume.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from outreach import i18n
from outreach.errors import OutreachError
from outreach.i18n import _
from outreach.store.reading import Reader, reader_of

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

LOW_SPACE = 1024 * 1024
"""Free bytes on the database's volume below which writes are expected to fail."""

_FULL = ("database or disk is full", "no space left on device", "disk full", "diskfull")
_UNWRITABLE = (*_FULL, "disk i/o error", "readonly database", "read-only file system")


class DatabaseUnwritable(OutreachError):
    """A write to the database failed: the engine stopped sending."""


def is_unwritable(exc: BaseException) -> bool:
    """Whether a database error means writes fail (a full disk, a read-only file, I/O)."""
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError) and any(m in str(exc).lower() for m in _UNWRITABLE)


def unwritable(exc: BaseException) -> DatabaseUnwritable:
    """The halt for a failed write, in the words the rep sees."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    cause = _("disk full") if any(m in text.lower() for m in _FULL) else text
    return DatabaseUnwritable(
        _("cannot write to the database: {cause} — sending stopped").format(cause=cause),
        hint=_("free some space (or fix the database file), then start the engine again; "
               "a send in doubt is settled from your Sent folder on start"),
    )


def note_halt(db: Engine, halt: DatabaseUnwritable) -> None:
    """Leave the reason next to the database for ``status`` (best effort: the disk may be
    too full even for this)."""
    path = _note_path(db)
    if path is None:
        return
    try:
        path.write_text(halt.message + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("could not note the halt in %s: %s", path, exc)


def clear_halt(db: Engine) -> None:
    """An engine started and wrote: the database is writable again."""
    path = _note_path(db)
    if path is not None:
        path.unlink(missing_ok=True)


def database_problem(db: Engine | Reader) -> str | None:
    """Why writes to the database fail or are about to, or None."""
    path = _note_path(db)
    if path is None:
        return None
    try:
        noted = path.read_text(encoding="utf-8").strip()
    except OSError:
        noted = ""
    if noted:
        return noted
    free = shutil.disk_usage(path.parent).free
    if free < LOW_SPACE:
        return _(
            "cannot write to the database safely: disk full ({free} KB free in {folder}) — "
            "the engine stops at the first write that fails"
        ).format(free=i18n.number(free // 1024), folder=path.parent)
    return None


def _note_path(db: Engine | Reader) -> Path | None:
    database = reader_of(db).path
    if database is None:
        return None
    return Path(os.path.realpath(database) + ".engine-halted")
