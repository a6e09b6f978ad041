"""``outreach report`` and ``outreach export``: numbers for people, rows for CRMs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from outreach import i18n
from outreach.cli import labels
from outreach.cli.output import print_json, print_table
from outreach.errors import ConfigError
from outreach.i18n import _, ngettext
from outreach.sequences.check import task_label
from outreach.store import open_store
from outreach.views.exports import KINDS, export_rows, to_csv, to_excel_csv
from outreach.views.reports import GROUPINGS, Report, build_intent_report, build_report

RATE = "reply_rate_%_of_contacted"


def _format_option(as_json: bool, as_csv: bool) -> str:
    if as_json and as_csv:
        raise ConfigError(_("choose one of --json and --csv"))
    return "json" if as_json else "csv" if as_csv else "table"


@click.command(
    help=_(
        "Sent, delivered, contacted, replied (the reply rate is a share of contacted), "
        "bounced (hard/soft), unsubscribed, auto-replies and prospects in progress — for one "
        "campaign or all of them. ``--by intent``: the replies by what they mean, and how "
        "many still wait for an answer."
    ),
)
@click.argument("campaign", required=False)
@click.option("--by", type=click.Choice(GROUPINGS), help=_("One row per step, variant, …"))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable."))
@click.option("--csv", "as_csv", is_flag=True, help=_("CSV with a header row."))
def report(campaign: str | None, by: str | None, as_json: bool, as_csv: bool) -> None:
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
    print_table([_percent(row) for row in titled], _columns(), title=_title(result))
    if result.tasks:
        shown = [{**row.as_dict(), "kind": task_label(row.kind)} for row in result.tasks]
        print_table(shown, {"group": _("step"), "kind": _("kind"), "due": _("due"),
                            "done": _("done"), "reached": _("reached"),
                            "no_answer": _("no answer"), "skipped": _("skipped"),
                            "cancelled": _("cancelled"), "open": _("open")},
                    title=_("tasks by step"))  # fmt: skip


def _intent_report(campaign: str | None, kind: str) -> None:
    """Replies by what they mean: interested, not now, referral …"""
    result = build_intent_report(open_store(), campaign)
    if kind == "json":
        return print_json(result.as_dict())
    rows = [*(r.as_dict() for r in result.rows), result.total.as_dict()]
    if kind == "csv":
        return click.echo(to_csv(rows), nl=False)
    shown = [{**row, "intent": labels.intent(row["intent"]),
              "share": i18n.percent(row["share"])} for row in rows]
    title = (_("campaign {name}: replies by intent").format(name=campaign) if campaign
             else _("all campaigns: replies by intent"))
    print_table(shown, {"intent": _("intent"), "replies": _("replies"), "share": _("share"),
                        "to_answer": _("to answer"), "needs_review": _("needs review")},
                title=title)  # fmt: skip


def _percent(row: dict[str, Any]) -> dict[str, Any]:
    rate = i18n.percent(row["replied"] / row["contacted"]) if row["contacted"] else "—"
    return {**row, RATE: rate,
            "in_progress": "" if row["in_progress"] is None else row["in_progress"]}


def _columns() -> dict[str, str]:
    """The report's columns and their headers (the keys are those of --json and --csv;
    contacted is the base of the rate, shown in its header)."""
    return {
        "group": _("group"), "sent": _("sent"), "delivered": _("delivered"),
        "replied": _("replied"),
        RATE: _("reply rate % of contacted"), "bounced_hard": _("bounced hard"),
        "bounced_soft": _("bounced soft"), "unsubscribed": _("unsubscribed"),
        "auto_replies": _("auto replies"), "in_progress": _("in progress"),
    }


def _title(result: Report) -> str:
    what = (_("campaign {name}").format(name=result.campaign) if result.campaign
            else _("all campaigns"))
    if not result.by:
        return what
    return what + " " + _("by {grouping}").format(grouping=labels.grouping(result.by))


@click.command(
    help=_("Export replies, prospects or events for a CRM or a spreadsheet."),
)
@click.argument("what", type=click.Choice(KINDS))
@click.option("--campaign", help=_("Only this campaign."))
@click.option("--json", "as_json", is_flag=True, help=_("A JSON list of objects."))
@click.option("--csv", "as_csv", is_flag=True, help=_("CSV with a header row (the default)."))
@click.option("--excel", "as_excel", is_flag=True,
              help=_("For Excel: ';'-separated UTF-8 with a byte-order mark (umlauts intact, "
                     "one column per field in a German locale)."))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Write to this file instead of standard output."))
def export(what: str, campaign: str | None, as_json: bool, as_csv: bool, as_excel: bool,
           output: Path | None) -> None:
    if as_excel and (as_json or as_csv):
        raise ConfigError(_("choose one of --json, --csv and --excel"))
    kind = "excel" if as_excel else _format_option(as_json, as_csv)
    rows = export_rows(open_store(), what, campaign)
    data = _export_bytes(rows, kind)
    if output is None:
        return click.echo(data, nl=False)
    output.write_bytes(data)
    click.echo(ngettext("{count} row of {what} written to {path}",
                        "{count} rows of {what} written to {path}", len(rows))
               .format(count=len(rows), what=what, path=output), err=True)


def _export_bytes(rows: list[dict[str, Any]], kind: str) -> bytes:
    if kind == "excel":
        return to_excel_csv(rows)
    if kind == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return to_csv(rows).encode("utf-8")
