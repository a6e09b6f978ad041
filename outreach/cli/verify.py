"""``outreach prospects verify``: check addresses before the first send."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outreach.campaigns.verify import prospect_addresses, verify_prospects
from outreach.cli import labels
from outreach.cli.output import console, err_console, print_json, print_table
from outreach.cli.prospects import prospects
from outreach.deliverability.dns import resolver_from_env
from outreach.deliverability.verify import VerifySummary
from outreach.i18n import _
from outreach.store import open_store

SHOWN_AT_MOST = 50  # problem addresses listed in the text output (--json: all)


@prospects.command(
    "verify",
    help=_(
        "Check addresses: syntax, a domain that accepts mail (MX or A), role accounts, "
        "disposable and free-mail domains. One DNS lookup per domain, cached for 7 days.\n\n"
        "Campaign start runs the same check and marks invalid prospects `invalid`."
    ),
)
@click.option("--tag", "tags", multiple=True, help=_("Only prospects with this tag (repeatable)."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable verdicts."))
@click.option("--resolver", metavar="HOST:PORT",
              help=_("Ask this DNS server (default: $OUTREACH_DNS, else the system's)."))
def verify(tags: tuple[str, ...], as_json: bool, resolver: str | None) -> None:
    db = open_store()
    spec = resolver_from_env(resolver)
    total = len(prospect_addresses(db, list(tags) or None))
    with Progress(TextColumn(_("verifying")), BarColumn(), MofNCompleteColumn(),
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
        _("{checked} checked over {domains} domains ({looked_up} looked up, the rest cached): "
          "[green]{valid} valid[/], [yellow]{risky} risky[/], [red]{invalid} invalid[/], "
          "{unknown} unknown").format(
            checked=counts["checked"], domains=summary.domains, looked_up=summary.looked_up,
            valid=counts["valid"], risky=counts["risky"], invalid=counts["invalid"],
            unknown=counts["unknown"]), soft_wrap=True)
    problems = [{**v.as_dict(), "status": labels.state(v.status), "flags": ", ".join(v.flags)}
                for v in summary.verdicts if v.status != "valid"]
    if problems:
        print_table(problems[:SHOWN_AT_MOST], {"email": _("address"), "status": _("status"),
                                               "reason": _("reason"), "flags": _("flags")})
    if len(problems) > SHOWN_AT_MOST:
        console.print(_("… and {count} more (use --json for all)").format(
            count=len(problems) - SHOWN_AT_MOST))
