"""The ``outreach`` command line."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from outreach import __version__
from outreach.cli.lazy import LazyCommand, LazyGroup, load_command
from outreach.errors import OutreachError

#: Every subcommand, imported only when it runs; the short help is what ``--help`` lists.
COMMANDS: dict[str, LazyCommand] = {
    "campaign": LazyCommand(
        "outreach.cli.campaign", "campaign",
        "Campaigns: a sequence sent to a set of prospects from one or more mailboxes.",
    ),
    "daemon": LazyCommand(
        "outreach.cli.daemon", "daemon",
        "Run the engine and the inbox watcher headless (systemd, containers).",
    ),
    "demo": LazyCommand(
        "outreach.cli.demo", "demo",
        "Run an example campaign against a built-in sandbox mailbox (no account needed).",
    ),
    "doctor": LazyCommand(
        "outreach.cli.doctor", "doctor",
        "Check a mailbox (or all): servers, TLS, login, MX, SPF, DMARC, DKIM, sender habits.",
    ),
    "export": LazyCommand(
        "outreach.cli.report", "export",
        "Export replies, prospects or events for a CRM or a spreadsheet.",
    ),
    "inbox": LazyCommand(
        "outreach.cli.inbox", "inbox",
        "Inbound mail: what replies, bounces, auto-replies and opt-outs mean to a sequence.",
    ),
    "init": LazyCommand(
        "outreach.cli.setup", "init",
        "Create the database, or upgrade it to this version's schema (safe to repeat).",
    ),
    "mailbox": LazyCommand(
        "outreach.cli.mailbox", "mailbox",
        "Your sending mailboxes (SMTP to send, IMAP to watch for replies).",
    ),
    "prospects": LazyCommand(
        "outreach.cli.prospects", "prospects",
        "The people you write to: import spreadsheet exports, list and show them.",
        also_import=("outreach.cli.verify",),
    ),
    "report": LazyCommand(
        "outreach.cli.report", "report",
        "Sent, delivered, contacted, replied (the reply rate is a share of contacted), "
        "bounced, unsubscribed, auto-replies and prospects in progress.",
    ),
    "run": LazyCommand(
        "outreach.cli.run", "run",
        "Send due mail at human pace until Ctrl-C (finishes the send in flight).",
    ),
    "sequence": LazyCommand(
        "outreach.cli.sequence", "sequence",
        "YAML sequences: the first email and its follow-ups.",
    ),
    "status": LazyCommand(
        "outreach.cli.daemon", "status",
        "Engines running on this database (host, pid, heartbeat, mailboxes) and mailbox health.",
    ),
    "suppress": LazyCommand(
        "outreach.cli.suppress", "suppress",
        "The suppression list: never enroll or write to these addresses or @domains.",
    ),
    "tui": LazyCommand(
        "outreach.cli.tui", "tui",
        "Open the cockpit: dashboard, campaigns, prospects, inbox, sequences, mailboxes.",
    ),
}


class OutreachGroup(LazyGroup):
    """A click group that turns :class:`OutreachError` into a clean message and exit code.

    A database that turns out read-only or damaged in the middle of a command (the store
    checks what it can when it opens) is reported the same way.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            _fail(ctx, exc)
        except Exception as exc:
            explained = _explain_database_error(exc)
            if explained is None:
                raise
            _fail(ctx, explained)


def _explain_database_error(exc: Exception) -> OutreachError | None:
    """``exc`` in words when the database itself is the problem, else None.

    Only a command that opened the store can meet one; the store is imported here, not at
    start-up, so that commands without a database start fast.
    """
    if "outreach.store" not in sys.modules:
        return None
    from outreach import paths
    from outreach.store import DATABASE_ERRORS, explain

    if not isinstance(exc, DATABASE_ERRORS):
        return None
    return explain(exc, paths.database_url())


def _fail(ctx: click.Context, exc: OutreachError) -> None:
    click.secho(f"error: {exc}", err=True, fg="red")
    ctx.exit(exc.exit_code)


@click.group(cls=OutreachGroup, lazy=COMMANDS, invoke_without_command=True)
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
            ctx.invoke(load_command(COMMANDS["tui"]))
        else:
            click.echo(ctx.get_help())


def main() -> None:
    cli(prog_name="outreach")


if __name__ == "__main__":
    main()
