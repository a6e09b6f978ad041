"""Printing helpers shared by the commands: JSON for machines, rich tables for people.

``console`` and ``err_console`` are made on first use, so a command that prints only
JSON or plain lines (``sequence check``) does not load rich.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    console: Console
    err_console: Console

_CONSOLES: dict[str, Console] = {}


def _console(name: str) -> Console:
    if name not in _CONSOLES:
        from rich.console import Console

        _CONSOLES[name] = Console(stderr=name == "err_console", highlight=False)
    return _CONSOLES[name]


def __getattr__(name: str) -> Any:
    if name in ("console", "err_console"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_default))


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Mapping[str, str] | Sequence[str],
    *,
    title: str | None = None,
) -> None:
    """A rich table of ``rows``; ``columns`` maps each row key to its (translated) header."""
    from rich.table import Table
    from rich.text import Text

    headers = columns if isinstance(columns, Mapping) else {c: c.replace("_", " ") for c in columns}
    table = Table(title=title, show_lines=False)
    for header in headers.values():
        table.add_column(header)
    for row in rows:
        table.add_row(*(Text("" if row.get(c) is None else str(row.get(c))) for c in headers))
    _console("console").print(table)


def check_mark(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"
