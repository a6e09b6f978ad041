"""The command palette (ctrl+p): every action by name — going places, the engine, theme,
each campaign, mailbox and sequence file, and the keys of the visible screen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from outreach.tui.context import context_of
from outreach.views.names import PaletteNames, palette_names

Callback = Callable[[], Awaitable[Any] | Any]


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    callback: Callback


class OutreachCommands(Provider):
    """outreach's palette entries (Textual's own — quit, keys, themes — stay too)."""

    async def startup(self) -> None:
        ctx = context_of(self.app)
        self.names = await asyncio.to_thread(palette_names, ctx.db, ctx.sequences_dir)

    def commands(self) -> list[PaletteCommand]:
        app: Any = self.app
        return [
            *global_commands(app),
            *entity_commands(app, self.names),
            *screen_commands(self.screen),
        ]

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.title), command.callback, help=command.help
                )


MODES = (
    ("dashboard", "Dashboard", "today per mailbox, the send queue, replies to read"),
    ("campaigns", "Campaigns", "funnels per step and variant; create, start, pause, resume"),
    ("prospects", "Prospects", "search, import, timelines, suppress, add to a campaign"),
    ("inbox", "Inbox", "replies, auto-replies, bounces, opt-outs; re-classify"),
    ("sequences", "Sequences", "check and preview YAML sequences, edit them"),
    ("mailboxes", "Mailboxes", "add, edit, test, pause and resume mailboxes"),
    ("tasks", "Tasks", "calls, LinkedIn and to-dos due from your sequences (key 7)"),
)


def global_commands(app: Any) -> Iterator[PaletteCommand]:
    for mode, title, description in MODES:
        yield PaletteCommand(f"Go to {title}", description, partial(app.switch_mode, mode))
    yield PaletteCommand(
        "Engine: run here",
        "send and watch the inbox while this window is open",
        app.action_run_engine,
    )
    yield PaletteCommand(
        "Engine: stop", "finish the send in flight, then stop", app.action_stop_engine
    )
    yield PaletteCommand(
        "Theme: switch light/dark", "outreach's light or dark theme", app.action_toggle_theme
    )
    yield PaletteCommand(
        "Help: keys and views", "what each view does and its keys", app.action_help
    )
    yield PaletteCommand(
        "Mailbox: add …", "a new sending mailbox (tested before saving)", app.add_mailbox
    )
    yield PaletteCommand("Inbox: replies to read", "replies nobody marked yet", app.replies_to_read)
    yield PaletteCommand(
        "Campaign: new …", "sequence, mailboxes, prospects; plan; start", app.new_campaign
    )
    yield PaletteCommand(
        "Prospects: import a CSV …", "pick a file, check its columns, import", app.import_prospects
    )
    yield PaletteCommand("Prospects: search …", "find a prospect", app.search_prospects)


def entity_commands(app: Any, names: PaletteNames) -> Iterator[PaletteCommand]:
    for name, state in names.campaigns:
        yield from _campaign(app, name, state)
    for email, paused in names.mailboxes:
        yield PaletteCommand(
            f"Mailbox {email}: test connection",
            "log in step by step",
            partial(app.test_mailbox, email),
        )
        yield PaletteCommand(
            f"Mailbox {email}: edit", "change its settings", partial(app.edit_mailbox, email)
        )
        verb = "resume" if paused else "pause"
        yield PaletteCommand(
            f"Mailbox {email}: {verb}",
            f"{verb} sending from it",
            partial(app.mailbox_command, email, verb),
        )
    for path in names.sequences:
        yield PaletteCommand(
            f"Sequence {path.name}: check",
            "validate it, findings by line",
            partial(app.open_sequence, path, False),
        )
        yield PaletteCommand(
            f"Sequence {path.name}: edit",
            "open it in $EDITOR, then check",
            partial(app.open_sequence, path, True),
        )


def _campaign(app: Any, name: str, state: str) -> Iterator[PaletteCommand]:
    yield PaletteCommand(
        f"Campaign {name}: open",
        f"{state}; its enrollments",
        partial(app.open_campaign, name, "enrollments"),
    )
    yield PaletteCommand(
        f"Campaign {name}: plan", "the projected schedule", partial(app.open_campaign, name, "plan")
    )
    if state != "archived":
        yield PaletteCommand(
            f"Campaign {name}: export CSV",
            "replies, prospects or events (Excel or CSV)",
            partial(app.export_campaign, name),
        )
    verbs = {"draft": "start", "active": "pause", "paused": "resume"}
    if state in verbs:
        verb = verbs[state]
        yield PaletteCommand(
            f"Campaign {name}: {verb}",
            f"it is {state} now",
            partial(app.campaign_command, name, verb),
        )


def screen_commands(screen: Any) -> Iterator[PaletteCommand]:
    """The keys of the screen the palette was opened on, by their description."""
    for binding in getattr(screen, "BINDINGS", []):
        if isinstance(binding, Binding) and binding.description and binding.show:
            title = f"This view: {binding.description}"
            yield PaletteCommand(
                title, f"key {binding.key}", partial(screen.run_action, binding.action)
            )
