"""``outreach daemon``: the headless engine + watcher for servers (``status``: its own module)."""

from __future__ import annotations

import logging
from datetime import timedelta

import click

from outreach import logs
from outreach.errors import ConfigError
from outreach.i18n import _


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
    from outreach.store import open_store

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
