"""``outreach prospects verify``: check addresses before the first send."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outreach.campaigns.verify import prospect_addresses, verify_prospects
from outreach.cli.output import console, err_console, print_json, print_table
from outreach.cli.prospects import prospects
from outreach.deliverability.dns import resolver_from_env
from outreach.deliverability.verify import VerifySummary
from outreach.store import open_store

SHOWN_AT_MOST = 50  # problem addresses listed in the text output (--json: all)


@prospects.command("verify")
@click.option("--tag", "tags", multiple=True, help="Only prospects with this tag (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable verdicts.")
@click.option("--resolver", metavar="HOST:PORT",
              help="Ask this DNS server (default: $OUTREACH_DNS, else the system's).")
def verify(tags: tuple[str, ...], as_json: bool, resolver: str | None) -> None:
    """Check addresses: syntax, a domain that accepts mail (MX or A), role accounts,
    disposable and free-mail domains. One DNS lookup per domain, cached for 7 days.

    Campaign start runs the same check and marks invalid prospects `invalid`.
    """
    db = open_store()
    spec = resolver_from_env(resolver)
    total = len(prospect_addresses(db, list(tags) or None))
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=as_json) as bar:
        task = bar.add_task("verify", total=total)
        summary = verify_prospects(db, list(tags) or None, spec,
                                   lambda n: bar.advance(task, n))
    if as_json:
        return print_json(summary.as_dict())
    _print(summary)


def _print(summary: VerifySummary) -> None:
    counts = summary.as_dict()
    console.print(
        f"{counts['checked']} checked over {summary.domains} domains "
        f"({summary.looked_up} looked up, the rest cached): [green]{counts['valid']} valid[/], "
        f"[yellow]{counts['risky']} risky[/], [red]{counts['invalid']} invalid[/], "
        f"{counts['unknown']} unknown", soft_wrap=True)
    problems = [{**v.as_dict(), "flags": ", ".join(v.flags)}
                for v in summary.verdicts if v.status != "valid"]
    if problems:
        print_table(problems[:SHOWN_AT_MOST], ["email", "status", "reason", "flags"])
    if len(problems) > SHOWN_AT_MOST:
        console.print(f"… and {len(problems) - SHOWN_AT_MOST} more (use --json for all)")
