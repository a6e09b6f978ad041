"""The store: SQLModel tables, the engine factory and migrations."""

from __future__ import annotations

from sqlalchemy import Engine

from outreach.store.db import StoreError, make_engine, session_scope
from outreach.store.migrate import current_revision, head_revision, upgrade

__all__ = ["StoreError", "make_engine", "open_store", "session_scope", "upgrade"]


def open_store(url: str | None = None) -> Engine:
    """An engine on an up-to-date schema (migrating first when the DB is older)."""
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        upgrade(engine)
    return engine
