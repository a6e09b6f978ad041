"""``outreach status``: the engines running on this database and each mailbox's health.

Read-only and quick: on a SQLite database it reads through ``sqlite3`` without loading
SQLAlchemy (:func:`outreach.store.reading.open_reader`).
"""

from __future__ import annotations

import click
from rich.markup import escape

from outreach.cli import labels
from outreach.cli.output import console, print_json, print_table
from outreach.i18n import _
from outreach.store.reading import open_reader
from outreach.views.status import status as read_status


@click.command(
    help=_(
        "Engines running on this database (host, pid, heartbeat, mailboxes) and mailbox "
        "health."
    ),
)
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    data = read_status(open_reader())
    if as_json:
        return print_json(data)
    if data["database"]:
        console.print(f"[bold red]{data['database']}[/]", soft_wrap=True)
    engines = data["engines"]
    if not engines:
        console.print(
            _("no engine is running on this database (start one: `outreach run`, "
              "`outreach daemon` or the TUI)")
        )
    for e in engines:
        state = f"[green]{_('alive')}[/]" if e["alive"] else f"[red]{_('silent')}[/]"
        held = ", ".join(e["mailboxes"]) or (_("all mailboxes") if e["alive"] else _("none"))
        line = _("{kind} on {host} pid {pid} since {started}, last heartbeat {heartbeat}").format(
            kind=e["kind"], host=e["host"], pid=e["pid"], started=labels.when(e["started_at"]),
            heartbeat=labels.clock(e["heartbeat_at"]),
        )
        console.print(f"{state} {escape(line)} — {escape(held)}", soft_wrap=True)
    rows = [
        {**m, "state": labels.mailbox_state(m["paused"], m["pause_reason"]),
         "next_due_at": labels.when(m["next_due_at"]),
         "last_sent_at": labels.when(m["last_sent_at"])}
        for m in data["mailboxes"]
    ]
    print_table(rows, {
        "email": _("mailbox"), "state": _("state"), "today": _("today"),
        "pending": _("pending"), "due_now": _("due now"), "next_due_at": _("next due"),
        "last_sent_at": _("last sent"), "lease_holder": _("held by"), "warning": _("warning"),
    })
