"""``outreach daemon`` (headless engine + watcher for servers) and ``outreach status``."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from rich.markup import escape

from outreach import logs
from outreach.cli import labels
from outreach.cli.output import console, print_json, print_table
from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.store import open_store
from outreach.views.status import status as read_status


@click.command(
    help=_(
        "Run the engine and the inbox watcher headless (systemd, containers).\n\n"
        "Stops cleanly on SIGTERM/SIGINT (the send in flight is finished, exit 0 within 10 "
        "s); SIGHUP re-reads mailboxes, campaigns and rule files."
    ),
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help=_("json: one object per line for log shippers."),
)
@click.option("--poll", default=30.0, show_default=True,
              help=_("Re-read the queue every N seconds."))
@click.option("--no-watcher", is_flag=True, help=_("Send only; do not watch inboxes."))
@click.option("--debug", is_flag=True, help=_("Debug-level logs."))
@click.option(
    "--verbose", is_flag=True, help=_("Also the libraries' logs (Alembic, imapclient …).")
)
@click.option(
    "--lease-ttl",
    default=30.0,
    show_default=True,
    help=_("PostgreSQL: seconds before a silent daemon's mailboxes are taken over."),
)
@click.option("--heartbeat", default=10.0, show_default=True, help=_("Seconds between heartbeats."))
@click.option("--no-pacing", is_flag=True, hidden=True, help=_("Benchmarks only: no gaps/caps."))
def daemon(
    log_format: str,
    poll: float,
    no_watcher: bool,
    debug: bool,
    verbose: bool,
    lease_ttl: float,
    heartbeat: float,
    no_pacing: bool,
) -> None:
    from outreach.daemon import Daemon, log_event  # the engine: only for the daemon itself
    from outreach.engine.config import EngineConfig
    from outreach.services import build_services

    logs.configure(log_format, logging.DEBUG if debug else logging.INFO, verbose=verbose)
    if heartbeat * 2 >= lease_ttl:
        raise ConfigError(_("--heartbeat must be under half of --lease-ttl, or leases lapse"))
    config = EngineConfig(
        poll_interval=poll,
        heartbeat=heartbeat,
        pacing=not no_pacing,
        lease_ttl=timedelta(seconds=lease_ttl),
    )
    services = build_services(
        open_store(), kind="daemon", on_event=log_event, engine_config=config, watch=not no_watcher
    )
    import asyncio

    asyncio.run(Daemon(services).run())


@click.command(
    help=_(
        "Engines running on this database (host, pid, heartbeat, mailboxes) and mailbox "
        "health."
    ),
)
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    data = read_status(open_store())
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
