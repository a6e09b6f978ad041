"""``outreach run``: the engine in the foreground, until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime

import click
from rich.markup import escape

from outreach.cli import labels
from outreach.cli.output import console
from outreach.engine.config import EngineConfig
from outreach.i18n import _
from outreach.logs import event_line, text_fields
from outreach.services import Services, build_services
from outreach.store import open_store


def print_event(kind: str, info: dict[str, object]) -> None:
    """One line per thing that happened, for people watching the terminal (the same
    events and fields as the daemon's log)."""
    stamp = datetime.now().strftime("%H:%M:%S")
    event, fields = event_line(kind, info)
    if event == "sent":
        rest = text_fields(_rest(fields, "step", "prospect", "subject"))
        console.print(
            f"{stamp} [green]{_('sent')}[/]  "
            + _("step {number}").format(number=fields["step"])
            + f" → {escape(str(fields['prospect']))}"
            f"  “{escape(str(fields['subject']))}”  ({escape(rest)})",
            soft_wrap=True,
        )
    elif event in ("deferred", "failed", "mailbox_paused"):
        rest = text_fields(_rest(fields, "prospect", "message"))
        who = escape(str(fields.get("prospect", "")))
        console.print(
            f"{stamp} [yellow]{escape(labels.event(event))}[/] {who}: "
            f"{escape(str(fields.get('message')))}"
            f"  ({escape(rest)})",
            soft_wrap=True,
        )
    else:
        console.print(f"{stamp} [cyan]{escape(labels.event(event))}[/] "
                      f"{escape(text_fields(fields))}", soft_wrap=True)


def _rest(fields: dict[str, object], *shown: str) -> dict[str, object]:
    return {k: v for k, v in fields.items() if k not in shown}


async def run_in_foreground(services: Services) -> None:
    """The services until SIGINT/SIGTERM (the send in flight is finished first)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, services.stop)
    await services.run()


@click.command(
    help=_(
        "Send due mail at human pace until Ctrl-C (finishes the send in flight).\n\n"
        "The inbox watcher runs alongside: replies, bounces, opt-outs and auto-replies halt "
        "follow-ups, and every follow-up is preceded by a fresh look at the inbox. Events go "
        "to the webhooks of ``webhooks.yaml``, as with ``outreach daemon``."
    ),
)
@click.option("--poll", default=30.0, show_default=True,
              help=_("Re-read the queue every N seconds."))
def run(poll: float) -> None:
    config = EngineConfig(poll_interval=poll)
    services = build_services(open_store(), kind="run", on_event=print_event, engine_config=config)
    console.print(_("engine, inbox watcher and webhooks running — Ctrl-C to stop"))
    asyncio.run(run_in_foreground(services))
    console.print(_("engine stopped"))
