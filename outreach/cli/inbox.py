"""``outreach inbox …``: classify .eml files, or scan a mailbox the way the watcher does."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from outreach.cli.output import print_json, print_table
from outreach.errors import ConfigError
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

HELD = "held for review"
RULES_HELP = "Extra classifier phrases (default: classify_rules.yaml in the config dir)."


@click.group()
def inbox() -> None:
    """Inbound mail: what replies, bounces, auto-replies and opt-outs mean to a sequence."""


def _rules(rules_file: Path | None) -> Rules:
    return default_rules(WatcherConfig(rules_file=rules_file))


@inbox.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path), help=RULES_HELP)
@click.option("--our-address", "ours", multiple=True, help="An address of ours (repeatable).")
def classify_files(
    files: tuple[Path, ...], as_json: bool, rules_file: Path | None, ours: tuple[str, ...]
) -> None:
    """Classify saved messages (.eml): reply, auto_reply, bounce, unsubscribe or other."""
    rules = _rules(rules_file)
    results = [_classify_file(path, rules, ours) for path in files]
    if as_json:
        print_json(results)
    else:
        print_table([_row(r) for r in results], ["file", "kind", "details"])


def _classify_file(path: Path, rules: Rules, ours: tuple[str, ...]) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror or exc}", hint="give the path of an .eml file"
        ) from None
    reading = read_raw(raw, rules, ours)
    result = reading.result
    return {"file": str(path), **classification_dict(result), **intent_dict(result, reading.intent)}


def _row(result: dict[str, Any]) -> dict[str, Any]:
    return {"file": result["file"], "kind": result["kind"], "details": _details(result)}


def _details(result: dict[str, Any]) -> str:
    kind = result["kind"]
    if kind == Kind.BOUNCE:
        hardness = "hard" if result["hard"] else "soft"
        if not result["final"]:
            hardness = "delay warning"
        recipients = ", ".join(result["recipients"]) or "?"
        return f"{hardness} {result['status'] or ''} {recipients}".replace("  ", " ")
    if kind == Kind.AUTO_REPLY:
        return f"back on {result['return_date'] or '?'}"
    text = " ".join(str(result.get("new_text") or "").split())
    said = text[:80] + ("…" if len(text) > 80 else "") if text else str(result["evidence"])
    return f"[{_intent_words(result)}] {said}" if result.get("intent") else said


def _intent_words(result: dict[str, Any]) -> str:
    """``not_now until 2027-03-01``, ``referral: a@b.de``, ``other?`` (needs review)."""
    words = str(result["intent"]) + ("?" if result["needs_review"] else "")
    if result["intent_until"]:
        words += f" until {result['intent_until']}"
    if result["referral"]:
        words += ": " + ", ".join(result["referral"])
    return words


@inbox.command("scan")
@click.argument("email")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Look at mail received since this day (default: the mailbox's first send).",
)
@click.option("--apply", is_flag=True, help="Record and act on what was not handled yet.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path), help=RULES_HELP)
def scan(
    email: str, since: datetime | None, apply: bool, as_json: bool, rules_file: Path | None
) -> None:
    """Classify a mailbox's recent mail and show what it does (a dry run without --apply)."""
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
        row["what"] = "; ".join(row["actions"]) or "nothing"
        if row["held"]:
            row["what"] = f"{HELD}: {row['held']}"
        if row["handled_before"]:
            row["what"] = f"(handled before) {row['what']}"
    print_table(
        rows,
        ["folder", "from", "subject", "kind", "prospect", "what"],
        title=f"{report.mailbox}: {report.looked_at} message(s) since {report.since}",
    )
    if not apply:
        click.echo("dry run: nothing was changed (use --apply to act)")


@inbox.command("export-labels")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export_labels(output: Path | None) -> None:
    """Replies whose intent you accepted or corrected, as labelled examples (JSON lines in
    the intent corpus format, split "train") to retrain the classifier with."""
    records = list(labelled_examples(open_store()))
    text = jsonl(iter(records))
    if output is None:
        return click.echo(text, nl=False)
    output.write_text(text, encoding="utf-8")
    click.echo(f"{len(records)} labelled example(s) written to {output}", err=True)
