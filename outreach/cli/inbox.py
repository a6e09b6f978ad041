"""``outreach inbox …``: classify .eml files, or scan a mailbox the way the watcher does."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from outreach import i18n
from outreach.cli import labels
from outreach.cli.output import print_json, print_table
from outreach.errors import ConfigError
from outreach.i18n import N_, _, ngettext
from outreach.mailbox.classify import Kind, Rules
from outreach.services import inbox_connector
from outreach.store import open_store
from outreach.views.labels import jsonl, labelled_examples
from outreach.watcher import WatcherConfig
from outreach.watcher.deadline import read_raw
from outreach.watcher.inbound import Verdict
from outreach.watcher.scan import ScanItem, ScanReport, scan_mailbox
from outreach.watcher.service import default_rules
from outreach.watcher.summary import classification_dict, intent_dict

HELD = N_("held for review")  # the JSON status (N_ returns it as is); people read _(HELD)
RULES_HELP = N_("Extra classifier phrases (default: classify_rules.yaml in the config dir).")


@click.group(
    help=_("Inbound mail: what replies, bounces, auto-replies and opt-outs mean to a sequence."),
)
def inbox() -> None:
    pass


def _rules(rules_file: Path | None) -> Rules:
    return default_rules(WatcherConfig(rules_file=rules_file))


@inbox.command(
    "classify",
    help=_("Classify saved messages (.eml): reply, auto_reply, bounce, unsubscribe or other."),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
@click.option("--rules", "rules_file", type=click.Path(path_type=Path), help=_(RULES_HELP))
@click.option("--our-address", "ours", multiple=True, help=_("An address of ours (repeatable)."))
def classify_files(
    files: tuple[Path, ...], as_json: bool, rules_file: Path | None, ours: tuple[str, ...]
) -> None:
    rules = _rules(rules_file)
    results = [_classify_file(path, rules, ours) for path in files]
    if as_json:
        print_json(results)
    else:
        print_table([_row(r) for r in results],
                    {"file": _("file"), "kind": _("kind"), "details": _("details")})


def _classify_file(path: Path, rules: Rules, ours: tuple[str, ...]) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc),
            hint=_("give the path of an .eml file"),
        ) from None
    reading = read_raw(raw, rules, ours)
    result = reading.result
    return {"file": str(path), **classification_dict(result), **intent_dict(result, reading.intent)}


def _row(result: dict[str, Any]) -> dict[str, Any]:
    return {"file": result["file"], "kind": labels.kind(result["kind"]),
            "details": _details(result)}


def _details(result: dict[str, Any]) -> str:
    kind = result["kind"]
    if kind == Kind.BOUNCE:
        hardness = _("hard") if result["hard"] else _("soft")
        if not result["final"]:
            hardness = _("delay warning")
        recipients = ", ".join(result["recipients"]) or "?"
        return f"{hardness} {result['status'] or ''} {recipients}".replace("  ", " ")
    if kind == Kind.AUTO_REPLY:
        return _("back on {day}").format(day=_day(result["return_date"]))
    text = " ".join(str(result.get("new_text") or "").split())
    said = text[:80] + ("…" if len(text) > 80 else "") if text else str(result["evidence"])
    return f"[{_intent_words(result)}] {said}" if result.get("intent") else said


def _day(value: object) -> str:
    """A day from JSON (ISO text) for a person; ``?`` when unknown."""
    if not value:
        return "?"
    try:
        return i18n.full_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _intent_words(result: dict[str, Any]) -> str:
    """``not_now until 2027-03-01``, ``referral: a@b.de``, ``other?`` (needs review)."""
    words = labels.intent(result["intent"]) + ("?" if result["needs_review"] else "")
    if result["intent_until"]:
        words += " " + _("until {day}").format(day=_day(result["intent_until"]))
    if result["referral"]:
        words += ": " + ", ".join(result["referral"])
    return words


@inbox.command(
    "scan",
    help=_("Classify a mailbox's recent mail and show what it does (a dry run without --apply)."),
)
@click.argument("email")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help=_("Look at mail received since this day (default: the mailbox's first send)."),
)
@click.option("--apply", is_flag=True, help=_("Record and act on what was not handled yet."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
@click.option("--rules", "rules_file", type=click.Path(path_type=Path), help=_(RULES_HELP))
def scan(
    email: str, since: datetime | None, apply: bool, as_json: bool, rules_file: Path | None
) -> None:
    config = WatcherConfig(rules_file=rules_file)
    day: date | None = since.date() if since else None
    report = scan_mailbox(
        open_store(), email, since=day, config=config, rules=_rules(rules_file),
        connector=inbox_connector(), apply=apply,
    )  # fmt: skip
    if as_json:
        print_json(_report_json(report))
        return
    _print_report(report, apply)


def _item_json(item: ScanItem) -> dict[str, Any]:
    verdict = item.verdict
    fetched = verdict.fetched
    ref = verdict.match.enrollment
    return {
        "folder": fetched.folder,
        "uid": fetched.uid,
        "received_at": fetched.received_at,
        "from": fetched.facts.from_addr,
        "subject": fetched.facts.subject,
        **classification_dict(verdict.result),
        **intent_dict(verdict.result, verdict.intent),
        "match": verdict.match.via,
        "prospect": ref.email if ref else None,
        "enrollment_id": ref.id if ref else None,
        "actions": [str(action) for action in verdict.actions],
        "held": verdict.held,
        "status": _status(verdict),
        "handled_before": item.recorded_before,
        "applied": item.applied,
    }


def _status(verdict: Verdict) -> str:
    """``held for review`` (it does nothing until a person looks), ``acts`` or ``no effect``."""
    if verdict.held is not None:
        return HELD
    return "acts" if verdict.actions else "no effect"


def _report_json(report: ScanReport) -> dict[str, Any]:
    return {
        "mailbox": report.mailbox,
        "since": report.since,
        "folders": report.folders,
        "looked_at": report.looked_at,
        "messages": [_item_json(item) for item in report.items],
    }


def _print_report(report: ScanReport, apply: bool) -> None:
    rows = [_item_json(item) for item in report.items]
    for row in rows:
        row["kind"] = labels.kind(row["kind"])
        row["what"] = "; ".join(row["actions"]) or _("nothing")
        if row["held"]:
            row["what"] = f"{_(HELD)}: {row['held']}"
        if row["handled_before"]:
            row["what"] = _("(handled before) {what}").format(what=row["what"])
    print_table(
        rows,
        {"folder": _("folder"), "from": _("from"), "subject": _("subject"),
         "kind": _("kind"), "prospect": _("prospect"), "what": _("what happens")},
        title=ngettext("{mailbox}: {count} message since {day}",
                       "{mailbox}: {count} messages since {day}", report.looked_at).format(
            mailbox=report.mailbox, count=report.looked_at, day=_day(report.since)),
    )
    if not apply:
        click.echo(_("dry run: nothing was changed (use --apply to act)"))


@inbox.command(
    "export-labels",
    help=_(
        "Replies whose intent you accepted or corrected, as labelled examples (JSON lines in "
        "the intent corpus format, split \"train\") to retrain the classifier with."
    ),
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Write to this file instead of standard output."))
def export_labels(output: Path | None) -> None:
    records = list(labelled_examples(open_store()))
    text = jsonl(iter(records))
    if output is None:
        return click.echo(text, nl=False)
    output.write_text(text, encoding="utf-8")
    click.echo(ngettext("{count} labelled example written to {path}",
                        "{count} labelled examples written to {path}", len(records))
               .format(count=len(records), path=output), err=True)
