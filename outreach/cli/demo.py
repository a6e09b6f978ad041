"""``outreach demo``: watch a whole campaign run against the embedded sandbox."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import click
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from outreach import i18n, wording
from outreach.cli import labels
from outreach.cli.output import console
from outreach.cli.run import print_event
from outreach.engine.config import EngineConfig
from outreach.i18n import _
from outreach.services import build_services
from outreach.store import open_store
from outreach.views.campaign_list import show_campaign

SETTLED = {
    "finished",
    "replied",
    "stopped",
    "bounced",
    "unsubscribed",
    "invalid",
    "failed",
    "paused",
}
STATE_STYLE = {
    "active": "cyan",
    "replied": "green",
    "paused": "yellow",
    "bounced": "red",
    "unsubscribed": "magenta",
    "stopped": "blue",
    "finished": "white",
}


@click.command(
    help=_("Run an example campaign against a built-in sandbox mailbox (no account needed)."),
)
@click.option("--timeout", default=120.0, show_default=True, help=_("Stop after N seconds anyway."))
def demo(timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="outreach-demo-") as home:
        os.environ["OUTREACH_HOME"] = home
        os.environ.pop("OUTREACH_DB_URL", None)
        from outreach.demo import PROSPECTS, REP, demo_world

        console.print(
            "[bold]outreach demo[/] — " + escape(
                _("a sandbox mailbox for {rep} and {count} prospects who reply, go on holiday, "
                  "opt out or bounce.").format(rep=REP, count=len(PROSPECTS)))
        )
        console.print(_("Data lives in a temporary folder and is gone afterwards.") + "\n")
        with demo_world(Path(home)):
            asyncio.run(_run(timeout))
        _summary()


async def _run(seconds: float) -> None:
    from outreach.demo import narrate, roster

    seen = roster(open_store())
    with Live(_table(), console=console, refresh_per_second=4, transient=False) as live:

        def on_event(kind: str, info: dict[str, object]) -> None:
            nonlocal seen
            now = roster(open_store())
            lines = narrate(kind, info, seen, now)
            seen = now
            if lines:
                _say(lines)
            else:
                print_event(kind, info)
            live.update(_table())

        fast = EngineConfig(poll_interval=1.0)
        services = build_services(open_store(), kind="demo", on_event=on_event, engine_config=fast)
        running = asyncio.create_task(services.run())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not _settled() and not running.done():
            live.update(_table())
            await asyncio.sleep(0.25)
        services.stop()
        await running
        live.update(_table())


def _say(lines: list[str]) -> None:
    """An inbound event as the demo narrates it (the headline stamped like a send)."""
    stamp = datetime.now().strftime("%H:%M:%S")
    console.print(f"{stamp} [cyan]{lines[0]}[/]", highlight=False)
    for line in lines[1:]:
        console.print(f"         {line}", highlight=False)


def _settled() -> bool:
    rows = show_campaign(open_store(), "demo")["enrollments"]
    return all(row["state"] in SETTLED for row in rows)


def _table() -> Table:
    table = Table(title=_("campaign “demo”"), expand=False)
    for column in (_("prospect"), _("state"), _("steps sent"), _("reason")):
        table.add_column(column)
    for row in show_campaign(open_store(), "demo")["enrollments"]:
        style = STATE_STYLE.get(row["state"], "white")
        table.add_row(
            row["email"], f"[{style}]{labels.state(row['state'])}[/]", str(row["steps_sent"]),
            wording.reason(row["reason"]) if row["reason"] else "",
        )
    return table


def _summary() -> None:
    console.print(
        "\n" + _("That was a real engine, pacing rules and inbox watcher — only the mail "
                 "servers were pretend. Next:")
    )
    console.print(
        "  outreach mailbox add you@company.com --smtp-host … --imap-host … --password-stdin"
    )
    console.print(f"  outreach sequence new --example {i18n.current()} > q1.yaml")
    console.print("  outreach sequence check q1.yaml")
