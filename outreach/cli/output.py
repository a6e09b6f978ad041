"""Printing helpers shared by the commands: JSON for machines, rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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
    headers = columns if isinstance(columns, Mapping) else {c: c.replace("_", " ") for c in columns}
    table = Table(title=title, show_lines=False)
    for header in headers.values():
        table.add_column(header)
    for row in rows:
        table.add_row(*(Text("" if row.get(c) is None else str(row.get(c))) for c in headers))
    console.print(table)


def check_mark(ok: bool) -> str:
    return "[green]✓[/green]" if ok else "[red]✗[/red]"
