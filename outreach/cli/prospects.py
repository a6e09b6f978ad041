"""``outreach prospects …``: import CSV exports, list and show prospects."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outreach.cli import labels
from outreach.cli.output import err_console, print_json, print_table
from outreach.i18n import N_, _
from outreach.prospects import (
    get_prospect,
    list_prospects,
    parse_prospects,
    prospect_record,
    read_csv_text,
    tags_by_prospect,
)
from outreach.prospects.csv_reader import count_lines
from outreach.prospects.service import ImportSummary, import_prospects, normalize_tags
from outreach.prospects.suppression import is_suppressed, suppressions_for
from outreach.store import open_store, session_scope

LISTED_AT_MOST = 20  # duplicates/suppressed shown by name in the text summary (--json: all)


@click.group(
    help=_("The people you write to: import spreadsheet exports, list and show them."),
)
def prospects() -> None:
    pass


@prospects.command(
    "import",
    help=_(
        "Import prospects from a CSV file (comma, semicolon or tab; UTF-8 or Windows-1252).\n\n"
        "\b\n"
        "Recognised columns (any case/spacing): email (E-Mail, Email Address, Mail),\n"
        "first_name (Vorname, First Name), last_name (Nachname, Name), company (Firma,\n"
        "Unternehmen), timezone (Zeitzone, TZ; an IANA name like Europe/Berlin). Every other\n"
        "column becomes a custom field for templates: \"Job Title\" → {{ job_title }}.\n"
        "Re-importing updates: non-empty values overwrite, tags are added.\n"
        "Rows with a missing or invalid address are rejected and listed with their line."
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tag", "tags", multiple=True, help=_("Tag every imported prospect (repeatable)."))
@click.option("--dry-run", is_flag=True, help=_("Check and count everything, save nothing."))
@click.option(
    "--allow-smtputf8",
    is_flag=True,
    help=_("Accept addresses with non-ASCII characters before the @ (only servers offering "
           "SMTPUTF8 can send to them; others are refused with the reason)."),
)
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable summary."))
def import_(
    file: Path, tags: tuple[str, ...], dry_run: bool, allow_smtputf8: bool, as_json: bool
) -> None:
    tags = normalize_tags(tags)
    source = read_csv_text(file)
    with _progress() as progress:
        parsed = parse_prospects(
            source, progress.lines(_("reading"), count_lines(source)), smtputf8=allow_smtputf8
        )
        on_write = progress.rows(_("saving"), len(parsed.rows))
        summary = import_prospects(
            open_store(), parsed, tags=tags, dry_run=dry_run, on_progress=on_write
        )
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary)


class _ImportProgress:
    """Progress bars on stderr while importing; no-ops (``None``) when there is no bar."""

    def __init__(self, bar: Progress | None) -> None:
        self.bar = bar

    def lines(self, description: str, total: int) -> Callable[[int], None] | None:
        """A callback taking the line reached."""
        if self.bar is None:
            return None
        bar, task = self.bar, self.bar.add_task(description, total=total)
        return lambda line: bar.update(task, completed=line)

    def rows(self, description: str, total: int) -> Callable[[int], None] | None:
        """A callback taking how many more rows are done."""
        if self.bar is None:
            return None
        bar, task = self.bar, self.bar.add_task(description, total=total)
        return lambda step: bar.advance(task, step)


@contextmanager
def _progress() -> Iterator[_ImportProgress]:
    """Bars only when stderr is a terminal, so piped output and CI logs stay clean."""
    if not sys.stderr.isatty():
        yield _ImportProgress(None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=True) as bar:
        yield _ImportProgress(bar)


def _print_summary(summary: ImportSummary) -> None:
    what = {"file": summary.file, "encoding": summary.encoding,
            "delimiter": labels.delimiter(summary.delimiter), "rows": summary.records}
    if summary.dry_run:
        line = _("Would import {file} ({encoding}, {delimiter}-separated, {rows} rows)")
    else:
        line = _("Imported {file} ({encoding}, {delimiter}-separated, {rows} rows)")
    tagged = " " + _("tagged {tags}").format(tags=", ".join(summary.tags)) if summary.tags else ""
    click.echo(line.format(**what) + tagged)
    for note in summary.notes:
        click.echo(_("note: {note}").format(note=note))
    if summary.custom_fields:
        click.echo(_("custom fields: {fields}").format(fields=", ".join(summary.custom_fields)))
    counts = {
        "created": _("created"), "updated": _("updated"), "unchanged": _("unchanged"),
        "duplicates": _("duplicates"), "rejected": _("rejected"), "suppressed": _("suppressed"),
    }
    width = max(len(label) for label in counts.values()) + 1
    for name, label in counts.items():
        value = getattr(summary, name)
        click.echo(f"  {label:<{width}}{value if isinstance(value, int) else len(value)}")
    _print_details(summary)
    if summary.dry_run:
        click.echo(_("dry run: nothing was saved"))


def _print_details(summary: ImportSummary) -> None:
    if summary.rejected:
        click.echo(_("rejected rows:"))
        for rejection in summary.rejected:
            click.echo("  " + _("line {line}: {reason}").format(
                line=rejection.line, reason=rejection.reason))
    if summary.warnings:
        click.echo(_("warnings:"))
        for warning in summary.warnings:
            click.echo("  " + _("line {line}: {reason}").format(
                line=warning.line, reason=warning.message))
    _print_capped(
        _("duplicates (merged into the first row with that address):"),
        [_("line {line}: {email} (first on line {first})").format(
            line=d.line, email=d.email, first=d.first_line) for d in summary.duplicates],
    )
    _print_capped(
        _("suppressed (imported, but campaigns will not write to them):"),
        [f"{s.email}: {labels.suppression_reason(s.reason)} ({s.value})"
         for s in summary.suppressed],
    )


def _print_capped(title: str, lines: list[str]) -> None:
    if not lines:
        return
    click.echo(title)
    for line in lines[:LISTED_AT_MOST]:
        click.echo(f"  {line}")
    if len(lines) > LISTED_AT_MOST:
        click.echo("  " + _("… and {count} more (--json lists all)").format(
            count=len(lines) - LISTED_AT_MOST))


@prospects.command(
    "list",
    help=_("List prospects by address."),
)
@click.option("--tag", help=_("Only prospects with this tag."))
@click.option("--search", help=_("Substring of address, name or company (any case)."))
@click.option("--limit", type=int, default=50, show_default=True, help=_("Show at most N."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def list_(tag: str | None, search: str | None, limit: int, as_json: bool) -> None:
    with session_scope(open_store()) as session:
        page = list_prospects(session, tag=tag, search=search, limit=limit)
        tags = tags_by_prospect(session, [p.id for p in page.prospects if p.id is not None])
        hits = suppressions_for(session, [p.email for p in page.prospects])
    records = [
        prospect_record(p, tags.get(p.id or 0, []), hits.get(p.email)) for p in page.prospects
    ]
    if as_json:
        return print_json(records)
    if not records:
        return click.echo(_("no prospects match") if tag or search else _(_NO_PROSPECTS))
    print_table([_table_row(r) for r in records], {
        "email": _("address"), "name": _("name"), "company": _("company"), "tags": _("tags"),
        "status": _("status"),
    })
    if page.total > len(records):
        click.echo(_("showing {shown} of {total} (use --limit, --tag or --search)").format(
            shown=len(records), total=page.total))


_NO_PROSPECTS = N_("no prospects yet: import some with `outreach prospects import FILE.csv`")


def _table_row(record: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(filter(None, (record["first_name"], record["last_name"])))
    suppressed = record["suppressed"]
    status = _("suppressed ({reason})").format(
        reason=labels.suppression_reason(suppressed["reason"])) if suppressed else ""
    return {**record, "name": name, "tags": ", ".join(record["tags"]), "status": status}


@prospects.command(
    "show",
    help=_("Show one prospect: its fields, custom fields, tags and suppression."),
)
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def show(email: str, as_json: bool) -> None:
    with session_scope(open_store()) as session:
        prospect = get_prospect(session, email)
        tags = tags_by_prospect(session, [prospect.id or 0]).get(prospect.id or 0, [])
        record = prospect_record(prospect, tags, is_suppressed(session, prospect.email))
    if as_json:
        return print_json(record)
    shown = {"email": _("address"), "first_name": _("first name"),
             "last_name": _("last name"), "company": _("company"), "timezone": _("time zone")}
    for key, label in shown.items():
        click.echo(f"{label}: {record[key] or ''}")
    for key, value in record["fields"].items():
        click.echo(f"{key}: {value}")
    click.echo(_("tags: {tags}").format(tags=", ".join(record["tags"])))
    suppressed = record["suppressed"]
    if suppressed:
        click.echo(_("suppressed by {value} ({reason})").format(
            value=suppressed["value"], reason=labels.suppression_reason(suppressed["reason"])))
