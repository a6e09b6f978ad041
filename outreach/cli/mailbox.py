"""``outreach mailbox …``: the group, and ``list`` (read quickly, without SQLAlchemy).

The other subcommands load on first use from :mod:`outreach.cli.mailbox_commands` and
:mod:`outreach.cli.mailbox_oauth`; ``--help`` lists them from the short lines below.
"""

from __future__ import annotations

import click

from outreach.cli import labels
from outreach.cli.lazy import LazyCommand, LazyGroup
from outreach.cli.output import print_json, print_table
from outreach.i18n import N_, _
from outreach.store.reading import open_reader
from outreach.store.records import mailbox_records, mailbox_summary
from outreach.views.sent_copies import sent_copies

_COMMANDS = "outreach.cli.mailbox_commands"
SUBCOMMANDS = {
    "add": LazyCommand(_COMMANDS, "add", N_("Add a mailbox.")),
    "edit": LazyCommand(
        _COMMANDS, "edit",
        N_("Change only the settings you name; everything else stays as it is.")),
    "login": LazyCommand(
        "outreach.cli.mailbox_oauth", "login",
        N_("Sign a mailbox in with OAuth (Microsoft 365, Google, any OIDC issuer).")),
    "pause": LazyCommand(
        _COMMANDS, "pause", N_("Stop sending from a mailbox until `mailbox resume`.")),
    "remove": LazyCommand(
        _COMMANDS, "remove",
        N_("Remove a mailbox and its keyring entry (its sent history stays).")),
    "resume": LazyCommand(_COMMANDS, "resume", N_("Resume a paused mailbox.")),
    "test": LazyCommand(
        _COMMANDS, "test",
        N_("Log in over SMTP and IMAP and show each step ✓/✗ with the server's words.")),
}  # fmt: skip


@click.group(
    cls=LazyGroup,
    lazy=SUBCOMMANDS,
    help=_("Your sending mailboxes (SMTP to send, IMAP to watch for replies)."),
)
def mailbox() -> None:
    pass


@mailbox.command(
    "list",
    help=_("List the configured mailboxes."),
)
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def list_(as_json: bool) -> None:
    reader = open_reader()
    boxes = mailbox_records(reader)
    health = sent_copies(reader, boxes)
    rows = [
        {**mailbox_summary(r), "warning": health[r.id].warning,
         "sent_copies": health[r.id].as_dict()}
        for r in boxes
    ]  # fmt: skip
    if as_json:
        return print_json(rows)
    if not rows:
        return click.echo(_("no mailboxes yet: add one with `outreach mailbox add`"))
    for row in rows:
        row["state"] = labels.mailbox_state(row["paused"], row["pause_reason"])
        row["secret"] = labels.secret_source(row["secret"])
        if row["warning"]:
            row["state"] += f"; ⚠ {row['warning']}"
    print_table(rows, {
        "email": _("address"), "name": _("name"), "smtp": "SMTP", "imap": "IMAP",
        "secret": _("secret"), "daily_cap": _("daily cap"), "state": _("state"),
    })
