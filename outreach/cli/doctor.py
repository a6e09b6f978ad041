"""``outreach doctor``: is each mailbox ready to send mail that arrives?"""

from __future__ import annotations

import asyncio

import click
from rich.markup import escape

from outreach.cli.output import console, print_json
from outreach.deliverability.dns import resolver_from_env
from outreach.deliverability.doctor import diagnose_all
from outreach.deliverability.findings import Diagnosis
from outreach.i18n import _
from outreach.store import open_store

COLORS = {"ok": "green", "warn": "yellow", "fail": "red"}


@click.command(
    help=_(
        "Check a mailbox (or all): servers, TLS, login, MX, SPF, DMARC, DKIM, sender habits.\n\n"
        "Every line is ✓, ⚠ or ✗ with the fix in one sentence. Exits 1 when any line is ✗."
    ),
)
@click.argument("email", required=False)
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable findings."))
@click.option("--resolver", metavar="HOST:PORT",
              help=_("Ask this DNS server (default: $OUTREACH_DNS, else the system's)."))
def doctor(email: str | None, as_json: bool, resolver: str | None) -> None:
    spec = resolver_from_env(resolver)
    diagnoses = asyncio.run(diagnose_all(open_store(), spec, email))
    if as_json:
        print_json([d.as_dict() for d in diagnoses])
    else:
        for diagnosis in diagnoses:
            _print(diagnosis)
    if any(d.failed for d in diagnoses):
        click.get_current_context().exit(1)


def _print(diagnosis: Diagnosis) -> None:
    console.rule(escape(diagnosis.mailbox))
    for finding in diagnosis.findings:
        color = COLORS[finding.status]
        line = f"[{color}]{finding.mark}[/] {escape(finding.check)}: {escape(finding.detail)}"
        console.print(line, soft_wrap=True)
        if finding.fix:
            console.print(f"    → {escape(finding.fix)}", soft_wrap=True)
