"""The ``outreach`` command line."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from outreach import __version__, paths
from outreach.errors import OutreachError
from outreach.store import DATABASE_ERRORS, explain


class OutreachGroup(click.Group):
    """A click group that turns :class:`OutreachError` into a clean message and exit code.

    A database that turns out read-only or damaged in the middle of a command (the store
    checks what it can when it opens) is reported the same way.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            _fail(ctx, exc)
        except DATABASE_ERRORS as exc:
            explained = explain(exc, paths.database_url())
            if explained is None:
                raise
            _fail(ctx, explained)


def _fail(ctx: click.Context, exc: OutreachError) -> None:
    click.secho(f"error: {exc}", err=True, fg="red")
    ctx.exit(exc.exit_code)


@click.group(cls=OutreachGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="outreach")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Cold outreach from your own mailbox, at human pace, halted the moment someone answers.

    \b
    Start with `outreach demo` (no account needed), then:
      outreach mailbox add you@company.com --smtp-host … --imap-host … --password-stdin
      outreach prospects import leads.csv --tag q1
      outreach campaign create q1 --sequence sequences/example-en.yaml \
          --mailbox you@company.com --tag q1

    Data lives in $OUTREACH_HOME (or your platform's data dir); set OUTREACH_DB_URL to use
    another database, e.g. PostgreSQL for a team.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(cli.commands["tui"])
        else:
            click.echo(ctx.get_help())


def _register() -> None:
    from outreach.cli import (
        campaign,
        daemon,
        demo,
        inbox,
        mailbox,
        prospects,
        run,
        sequence,
        setup,
        suppress,
        tui,
    )

    cli.add_command(setup.init)
    cli.add_command(mailbox.mailbox)
    cli.add_command(prospects.prospects)
    cli.add_command(suppress.suppress)
    cli.add_command(campaign.campaign)
    cli.add_command(run.run)
    cli.add_command(sequence.sequence)
    cli.add_command(demo.demo)
    cli.add_command(daemon.daemon)
    cli.add_command(daemon.status)
    cli.add_command(inbox.inbox)
    cli.add_command(tui.tui)

    from outreach.cli import doctor as doctor_cli
    from outreach.cli import report as report_cli
    from outreach.cli import verify as verify_cli  # noqa: F401 - adds `prospects verify`

    cli.add_command(doctor_cli.doctor)
    cli.add_command(report_cli.report)
    cli.add_command(report_cli.export)


_register()


def main() -> None:
    cli(prog_name="outreach")


if __name__ == "__main__":
    main()
