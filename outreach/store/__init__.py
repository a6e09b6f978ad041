"""The store: SQLModel tables, the engine factory and migrations.

The names below load on first use: a read-only command on the quick path
(:mod:`outreach.store.reading`) never imports SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outreach.store.db import make_engine, session_scope
    from outreach.store.opening import open_store, prepare_store, upgrade
    from outreach.store.problems import (
        DATABASE_ERRORS,
        DatabaseDamaged,
        DatabaseReadOnly,
        DatabaseTooNew,
        StoreError,
        explain,
    )
    from outreach.store.reading import Reader, open_reader
    from outreach.store.schema import Upgrade

_WHERE = {
    "make_engine": "db",
    "session_scope": "db",
    "open_store": "opening",
    "prepare_store": "opening",
    "upgrade": "opening",
    "DATABASE_ERRORS": "problems",
    "DatabaseDamaged": "problems",
    "DatabaseReadOnly": "problems",
    "DatabaseTooNew": "problems",
    "StoreError": "problems",
    "explain": "problems",
    "Reader": "reading",
    "open_reader": "reading",
    "Upgrade": "schema",
}

__all__ = [
    "DATABASE_ERRORS",
    "DatabaseDamaged",
    "DatabaseReadOnly",
    "DatabaseTooNew",
    "Reader",
    "StoreError",
    "Upgrade",
    "explain",
    "make_engine",
    "open_reader",
    "open_store",
    "prepare_store",
    "session_scope",
    "upgrade",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
