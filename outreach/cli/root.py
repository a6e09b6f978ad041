"""The ``outreach`` group: its options, its command table, and clean errors.

Imported by :func:`outreach.cli.main` after the language is chosen, so help written with
``_()`` here and in every command module is in the rep's language.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from outreach import __version__, i18n
from outreach.cli.lazy import LazyCommand, LazyGroup, load_command
from outreach.errors import OutreachError
from outreach.i18n import N_, _

#: Every subcommand, imported only when it runs; the short help is what ``--help`` lists.
COMMANDS: dict[str, LazyCommand] = {
    "campaign": LazyCommand(
        "outreach.cli.campaign", "campaign",
        N_("Campaigns: a sequence sent to a set of prospects from one or more mailboxes."),
    ),
    "daemon": LazyCommand(
        "outreach.cli.daemon", "daemon",
        N_("Run the engine and the inbox watcher headless (systemd, containers)."),
    ),
    "demo": LazyCommand(
        "outreach.cli.demo", "demo",
        N_("Run an example campaign against a built-in sandbox mailbox (no account needed)."),
    ),
    "doctor": LazyCommand(
        "outreach.cli.doctor", "doctor",
        N_("Check a mailbox (or all): servers, TLS, login, MX, SPF, DMARC, DKIM, sender habits."),
    ),
    "export": LazyCommand(
        "outreach.cli.report", "export",
        N_("Export replies, prospects or events for a CRM or a spreadsheet."),
    ),
    "inbox": LazyCommand(
        "outreach.cli.inbox", "inbox",
        N_("Inbound mail: what replies, bounces, auto-replies and opt-outs mean to a sequence."),
    ),
    "init": LazyCommand(
        "outreach.cli.setup", "init",
        N_("Create the database, or upgrade it to this version's schema (safe to repeat)."),
    ),
    "mailbox": LazyCommand(
        "outreach.cli.mailbox", "mailbox",
        N_("Your sending mailboxes (SMTP to send, IMAP to watch for replies)."),
    ),
    "prospects": LazyCommand(
        "outreach.cli.prospects", "prospects",
        N_("The people you write to: import spreadsheet exports, list and show them."),
        also_import=("outreach.cli.verify",),
    ),
    "report": LazyCommand(
        "outreach.cli.report", "report",
        N_("Sent, delivered, contacted, replied (the reply rate is a share of contacted), "
        "bounced, unsubscribed, auto-replies and prospects in progress."),
    ),
    "run": LazyCommand(
        "outreach.cli.run", "run",
        N_("Send due mail at human pace until Ctrl-C (finishes the send in flight)."),
    ),
    "sequence": LazyCommand(
        "outreach.cli.sequence", "sequence",
        N_("YAML sequences: the first email and its follow-ups."),
    ),
    "status": LazyCommand(
        "outreach.cli.status", "status",
        N_("Engines running on this database (host, pid, heartbeat, mailboxes) and mailbox "
           "health."),
    ),
    "suppress": LazyCommand(
        "outreach.cli.suppress", "suppress",
        N_("The suppression list: never enroll or write to these addresses or @domains."),
    ),
    "tasks": LazyCommand(
        "outreach.cli.tasks", "tasks",
        N_("Task steps: calls, LinkedIn and custom to-dos due from your sequences, and their "
           "outcomes."),
    ),
    "tui": LazyCommand(
        "outreach.cli.tui", "tui",
        N_("Open the cockpit: dashboard, campaigns, prospects, inbox, sequences, mailboxes."),
    ),
}


class OutreachGroup(LazyGroup):
    """A click group that turns :class:`OutreachError` into a clean message and exit code.

    A database that turns out read-only or damaged in the middle of a command (the store
    checks what it can when it opens) is reported the same way.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Machine output (``--json``) speaks English, also when ``--lang`` says otherwise
        and when the group is invoked in-process (tests, ``CliRunner``)."""
        from outreach.cli import machine_output

        if ctx.parent is None and machine_output(args):
            ctx.meta[MACHINE] = True
            i18n.use(i18n.SOURCE)
        return super().parse_args(ctx, args)

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

    Only a command that read the database can meet one: an error of sqlite3 (the quick
    read path) or of SQLAlchemy, loaded by then. Nothing is imported for other errors, so
    commands without a database (and ``--help``) stay fast.
    """
    sqlite = sys.modules.get("sqlite3")
    if "sqlalchemy" not in sys.modules and not (sqlite and isinstance(exc, sqlite.Error)):
        return None
    from outreach import paths
    from outreach.store import DATABASE_ERRORS, explain

    if not isinstance(exc, DATABASE_ERRORS):
        return None
    return explain(exc, paths.database_url())


def _fail(ctx: click.Context, exc: OutreachError) -> None:
    click.secho(_("error: {problem}").format(problem=exc), err=True, fg="red")
    ctx.exit(exc.exit_code)


MACHINE = "outreach.machine_output"
"""``ctx.meta`` key: the command line asks for output for programs (English only)."""


def _choose_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value and not ctx.meta.get(MACHINE):
        i18n.use(value)


@click.group(
    cls=OutreachGroup, lazy=COMMANDS, invoke_without_command=True,
    help=_(
        "Cold outreach from your own mailbox, at human pace, halted the moment someone "
        "answers.\n\n"
        "\b\n"
        "Start with `outreach demo` (no account needed), then:\n"
        "  outreach mailbox add you@company.com --smtp-host … --imap-host … --password-stdin\n"
        "  outreach prospects import leads.csv --tag q1\n"
        "  outreach campaign create q1 --sequence sequences/example-en.yaml \\\n"
        "      --mailbox you@company.com --tag q1\n\n"
        "Data lives in $OUTREACH_HOME (or your platform's data dir); set OUTREACH_DB_URL to "
        "use another database, e.g. PostgreSQL for a team."
    ),
)
@click.version_option(__version__, prog_name="outreach")
@click.option("-v", "--verbose", count=True, help=_("More log output (-vv for debug)."))
@click.option(
    "--lang", type=click.Choice(i18n.LANGUAGES), expose_value=False, is_eager=True,
    callback=_choose_language,
    help=_("Language of the interface (default: OUTREACH_LANG, then LC_ALL/LC_MESSAGES/LANG). "
           "--json output and JSON logs are the same in every language."),
)
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(load_command(COMMANDS["tui"]))
        else:
            click.echo(ctx.get_help())


