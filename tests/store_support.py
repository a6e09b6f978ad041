"""Databases at an old schema, filled with rows in every table, and a dump to compare them by."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, create_engine, select

from outreach.store import make_engine, upgrade

Dump = dict[str, list[tuple[str, ...]]]


def database_at(path: Path, revision: str, rows_per_table: int = 50) -> Dump:
    """A SQLite file at ``revision`` with ``rows_per_table`` rows in every table; its dump."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name != "alembic_version":
                rows = [_row(table.columns, i) for i in range(1, rows_per_table + 1)]
                conn.execute(table.insert(), rows)
    dump = dump_tables(engine)
    engine.dispose()
    return dump


def _row(columns: Any, i: int) -> dict[str, Any]:
    return {column.name: _value(column, i) for column in columns}


def _value(column: Column[Any], i: int) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = dict
    if kind is bool:
        return i % 2 == 0
    if kind is int:
        return i
    if kind is float:
        return i / 4
    if kind is datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    if kind is dict:
        return {"row": i, "name": f"Müller {i}"}
    return f"{column.name}-{i}@acme.test"


def dump_tables(engine: Engine, like: Dump | None = None) -> Dump:
    """Every row of every table as ``column=value`` texts; only ``like``'s tables and columns
    when given (so columns and tables added by a later schema are left out)."""
    metadata = MetaData()
    metadata.reflect(engine)
    dump: Dump = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version" or (like is not None and table.name not in like):
                continue
            names = sorted(c.name for c in table.columns)
            if like is not None and like[table.name]:
                wanted = {cell.split("=", 1)[0] for cell in like[table.name][0]}
                names = [n for n in names if n in wanted]
            rows = conn.execute(select(*(table.c[n] for n in names)).order_by(*table.primary_key))
            dump[table.name] = [_cells(names, row) for row in rows]
    return dump


def _cells(names: list[str], row: Any) -> tuple[str, ...]:
    return tuple(
        f"{n}={json.dumps(v, default=str, sort_keys=True)}" for n, v in zip(names, row, strict=True)
    )


def dump_of(path: Path, like: Dump) -> Dump:
    """The dump of the SQLite file ``path``, restricted to ``like``'s tables and columns."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        return dump_tables(engine, like)
    finally:
        engine.dispose()
