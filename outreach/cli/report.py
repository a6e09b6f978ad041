"""``outreach report`` and ``outreach export``: numbers for people, rows for CRMs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from outreach.cli.output import print_json, print_table
from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.sequences.check import task_label
from outreach.store import open_store
from outreach.views.exports import KINDS, export_rows, to_csv, to_excel_csv
from outreach.views.numbers import percent
from outreach.views.reports import GROUPINGS, Report, build_intent_report, build_report

RATE = "reply_rate_%_of_contacted"
COLUMNS = ["group", "sent", "delivered", "replied", RATE,  # contacted: in --json and --csv
           "bounced_hard", "bounced_soft", "unsubscribed", "auto_replies", "in_progress"]


def _format_option(as_json: bool, as_csv: bool) -> str:
    if as_json and as_csv:
        raise ConfigError("choose one of --json and --csv")
    return "json" if as_json else "csv" if as_csv else "table"


@click.command()
@click.argument("campaign", required=False)
@click.option("--by", type=click.Choice(GROUPINGS), help="One row per step, variant, …")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
def report(campaign: str | None, by: str | None, as_json: bool, as_csv: bool) -> None:
    """Sent, delivered, contacted, replied (the reply rate is a share of contacted), bounced
    (hard/soft), unsubscribed, auto-replies and prospects in progress — for one campaign or
    all of them. ``--by intent``: the replies by what they mean, and how many still wait
    for an answer."""
    kind = _format_option(as_json, as_csv)
    if by == "intent":
        return _intent_report(campaign, kind)
    result = build_report(open_store(), campaign, by)
    if kind == "json":
        return print_json(result.as_dict())
    rows = [*(r.as_dict() for r in result.rows), result.total.as_dict()]
    if kind == "csv":
        return click.echo(to_csv(rows), nl=False)
    titled = [{**row, "group": line.title}
              for row, line in zip(rows, [*result.rows, result.total], strict=True)]
    print_table([_percent(row) for row in titled], COLUMNS, title=_title(result))
    if result.tasks:
        shown = [{**row.as_dict(), "kind": task_label(row.kind)} for row in result.tasks]
        print_table(shown, ["group", "kind", "due", "done", "reached", "no_answer", "skipped",
                            "cancelled", "open"], title=_("tasks by step"))  # fmt: skip


def _intent_report(campaign: str | None, kind: str) -> None:
    """Replies by what they mean: interested, not now, referral …"""
    result = build_intent_report(open_store(), campaign)
    if kind == "json":
        return print_json(result.as_dict())
    rows = [*(r.as_dict() for r in result.rows), result.total.as_dict()]
    if kind == "csv":
        return click.echo(to_csv(rows), nl=False)
    shown = [{**row, "share": f"{100 * row['share']:.1f}%"} for row in rows]
    what = f"campaign {campaign}" if campaign else "all campaigns"
    print_table(shown, ["intent", "replies", "share", "to_answer", "needs_review"],
                title=f"{what}: replies by intent")  # fmt: skip


def _percent(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, RATE: percent(row["replied"], row["contacted"]),
            "in_progress": "" if row["in_progress"] is None else row["in_progress"]}


def _title(result: Report) -> str:
    what = f"campaign {result.campaign}" if result.campaign else "all campaigns"
    return f"{what}" + (f" by {result.by}" if result.by else "")


@click.command()
@click.argument("what", type=click.Choice(KINDS))
@click.option("--campaign", help="Only this campaign.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row (the default).")
@click.option("--excel", "as_excel", is_flag=True,
              help="For Excel: ';'-separated UTF-8 with a byte-order mark (umlauts intact, "
                   "one column per field in a German locale).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export(what: str, campaign: str | None, as_json: bool, as_csv: bool, as_excel: bool,
           output: Path | None) -> None:
    """Export replies, prospects or events for a CRM or a spreadsheet."""
    if as_excel and (as_json or as_csv):
        raise ConfigError("choose one of --json, --csv and --excel")
    kind = "excel" if as_excel else _format_option(as_json, as_csv)
    rows = export_rows(open_store(), what, campaign)
    data = _export_bytes(rows, kind)
    if output is None:
        return click.echo(data, nl=False)
    output.write_bytes(data)
    click.echo(f"{len(rows)} {what} written to {output}", err=True)


def _export_bytes(rows: list[dict[str, Any]], kind: str) -> bytes:
    if kind == "excel":
        return to_excel_csv(rows)
    if kind == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return to_csv(rows).encode("utf-8")
