"""``outreach run``: the engine in the foreground, until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime

import click

from outreach.cli.output import console
from outreach.deliverability.webhooks import WebhookDispatcher
from outreach.engine.config import EngineConfig
from outreach.engine.runner import SendEngine
from outreach.store import open_store
from outreach.watcher import Watcher


def print_event(kind: str, info: dict[str, object]) -> None:
    """One line per thing that happened, for people watching the terminal."""
    stamp = datetime.now().strftime("%H:%M:%S")
    if kind == "sent":
        step = int(str(info["step"])) + 1
        console.print(f"{stamp} [green]sent[/]  step {step} → {info['to']}  “{info['subject']}”")
    elif kind in ("deferred", "failed", "pause_mailbox"):
        console.print(f"{stamp} [yellow]{kind}[/] {info.get('to', '')}: {info.get('message')}")
    else:
        details = ", ".join(f"{k}={v}" for k, v in info.items())
        console.print(f"{stamp} [cyan]{kind}[/] {details}")


async def run_engine(engine: SendEngine, watcher: Watcher | None = None) -> None:
    """The engine, the inbox watcher and the webhook dispatcher until SIGINT/SIGTERM."""
    loop = asyncio.get_running_loop()
    services: list[SendEngine | Watcher | WebhookDispatcher] = [
        engine,
        *([watcher] if watcher else []),
        WebhookDispatcher(engine.db),
    ]
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: [service.stop() for service in services])
    await asyncio.gather(*(service.run() for service in services))


@click.command()
@click.option("--poll", default=30.0, show_default=True, help="Re-read the queue every N seconds.")
def run(poll: float) -> None:
    """Send due mail at human pace until Ctrl-C (finishes the send in flight).

    The inbox watcher runs alongside: replies, bounces, opt-outs and auto-replies halt
    follow-ups, and every follow-up is preceded by a fresh look at the inbox.
    """
    db = open_store()
    watcher = Watcher(db, on_event=print_event)
    engine = SendEngine(
        db, EngineConfig(poll_interval=poll), inbox_check=watcher, on_event=print_event
    )
    console.print("engine and inbox watcher running — Ctrl-C to stop")
    asyncio.run(run_engine(engine, watcher))
    console.print("engine stopped")
