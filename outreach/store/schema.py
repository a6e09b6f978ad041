"""Which schema a database has, read without loading Alembic (every command asks).

Alembic (:mod:`outreach.store.migrate`) is imported only when a database must be upgraded:
loading it costs more than the rest of a quick command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMA_HEAD = "0008"
"""The newest migration's revision (``tests/test_store.py`` holds it to Alembic's head)."""

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the schema before and after, and the backup it wrote."""

    before: str | None
    after: str
    backup: Path | None = None


def stored_revision(engine: Engine) -> str | None:
    """The revision stamped in the database (None: a new, empty database).

    A damaged file raises (SQLAlchemy's ``DatabaseError``) for the caller to explain.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):  # no such table: never migrated
            conn.rollback()
            return None
