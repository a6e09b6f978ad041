"""``outreach suppress …``: addresses and @domains that must never be written to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from sqlalchemy import Connection

from outreach.cli import labels
from outreach.cli.output import print_json, print_table
from outreach.i18n import _, ngettext
from outreach.lifecycle import Cause
from outreach.lifecycle.suppressing import stop_covered, suppress_and_stop
from outreach.prospects import suppression
from outreach.store import open_store, session_scope
from outreach.store.models import Suppression, utcnow

REASON = click.Choice(suppression.REASONS)


@click.group(
    help=_(
        "The suppression list: never enroll or write to these addresses or @domains.\n\n"
        "\b\n"
        "A @domain covers every address at exactly that domain (not its subdomains).\n"
        "Suppressed prospects stay in the database, so removing a suppression is enough\n"
        "to make them reachable again."
    ),
)
def suppress() -> None:
    pass


@suppress.command(
    "add",
    help=_(
        "Suppress addresses and/or @domains, e.g. `anna@acme.com @competitor.com`.\n\n"
        "Their live follow-ups stop at once, in every campaign."
    ),
)
@click.argument("values", nargs=-1, required=True)
@click.option("--reason", type=REASON, default="manual", show_default=True,
              help=_("Why these are suppressed."))
def add(values: tuple[str, ...], reason: str) -> None:
    normalized = suppression.normalize_values(values)
    with session_scope(open_store()) as session:
        done = suppress_and_stop(
            session.connection(), normalized, reason, "cli", Cause("cli"), utcnow()
        )
    for outcome in done.outcomes:
        if outcome.added:
            click.echo(_("suppressed {value} ({reason})").format(
                value=outcome.value, reason=labels.suppression_reason(outcome.reason)))
        else:
            click.echo(_("{value} was already suppressed ({reason}); kept as is").format(
                value=outcome.value, reason=labels.suppression_reason(outcome.reason)))
    if done.stopped:
        click.echo(ngettext("{count} live enrollment stopped", "{count} live enrollments stopped",
                            len(done.stopped)).format(count=len(done.stopped)))


@suppress.command(
    "remove",
    help=_("Take addresses and/or @domains off the list (all or nothing)."),
)
@click.argument("values", nargs=-1, required=True)
def remove(values: tuple[str, ...]) -> None:
    normalized = suppression.normalize_values(values)
    with session_scope(open_store()) as session:
        suppression.remove_suppressions(session, normalized)
    for value in normalized:
        click.echo(_("unsuppressed {value}").format(value=value))


@suppress.command(
    "list",
    help=_("List the suppressed addresses and @domains."),
)
@click.option("--reason", type=REASON, help=_("Only entries with this reason."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def list_(reason: str | None, as_json: bool) -> None:
    with session_scope(open_store()) as session:
        rows = [_record(row) for row in suppression.list_suppressions(session, reason=reason)]
    if as_json:
        return print_json(rows)
    if not rows:
        return click.echo(_("the suppression list is empty"))
    print_table([_table_row(r) for r in rows], {
        "value": _("address or @domain"), "reason": _("reason"), "source": _("source"),
        "created_at": _("added"),
    })


def stop_all_covered(conn: Connection, values: Sequence[str], reason: str) -> int:
    """End the live enrollments every imported value covers; returns how many."""
    now, cause = utcnow(), Cause("cli")
    return sum(len(stop_covered(conn, v, f"suppressed ({reason})", cause, now)) for v in values)


def _record(row: Suppression) -> dict[str, Any]:
    return {
        "value": row.value,
        "reason": row.reason,
        "source": row.source,
        "created_at": row.created_at,
    }


def _table_row(record: dict[str, Any]) -> dict[str, Any]:
    """Markup-safe cells (values are user data) and the time to the minute."""
    row = {key: escape(value) if isinstance(value, str) else value for key, value in record.items()}
    return row | {"created_at": labels.when(record["created_at"]),
                  "reason": labels.suppression_reason(record["reason"])}


@suppress.command(
    "import",
    help=_(
        "Suppress every value in FILE: one address/@domain per line, or a CSV with an e-mail "
        "column. Lines starting with # are comments; bad lines are listed and skipped."
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", type=REASON, default="import", show_default=True,
              help=_("Why these are suppressed."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable summary."))
def import_(file: Path, reason: str, as_json: bool) -> None:
    values = suppression.read_suppression_file(file)
    with session_scope(open_store()) as session:
        result = suppression.import_suppressions(session, values, reason=reason)
        stopped = stop_all_covered(session.connection(), values.values, reason)
    if as_json:
        return print_json(
            {
                "file": str(result.path),
                "encoding": result.encoding,
                "added": list(result.added),
                "already": list(result.already),
                "rejected": [asdict(r) for r in result.rejected],
                "stopped": stopped,
            }
        )
    click.echo(
        _("{file}: {added} added, {already} already suppressed, {rejected} rejected, "
          "{stopped} live enrollment(s) stopped").format(
            file=file, added=len(result.added), already=len(result.already),
            rejected=len(result.rejected), stopped=stopped)
    )
    for rejection in result.rejected:
        click.echo("  " + _("line {line}: {reason}").format(
            line=rejection.line, reason=rejection.reason))
