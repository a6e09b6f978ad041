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

from outreach.i18n import N_, _
from outreach.tui.context import context_of
from outreach.tui.format import state_label
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
    ("dashboard", N_("Go to Dashboard"), N_("today per mailbox, the send queue, replies to read")),
    ("campaigns", N_("Go to Campaigns"),
     N_("funnels per step and variant; create, start, pause, resume")),
    ("prospects", N_("Go to Prospects"),
     N_("search, import, timelines, suppress, add to a campaign")),
    ("inbox", N_("Go to Inbox"), N_("replies, auto-replies, bounces, opt-outs; re-classify")),
    ("sequences", N_("Go to Sequences"), N_("check and preview YAML sequences, edit them")),
    ("mailboxes", N_("Go to Mailboxes"), N_("add, edit, test, pause and resume mailboxes")),
    ("tasks", N_("Go to Tasks"),
     N_("calls, LinkedIn and to-dos due from your sequences (key 7)")),
)  # fmt: skip


def global_commands(app: Any) -> Iterator[PaletteCommand]:
    for mode, title, description in MODES:
        yield PaletteCommand(_(title), _(description), partial(app.switch_mode, mode))
    yield PaletteCommand(
        _("Engine: run here"),
        _("send and watch the inbox while this window is open"),
        app.action_run_engine,
    )
    yield PaletteCommand(
        _("Engine: stop"), _("finish the send in flight, then stop"), app.action_stop_engine
    )
    yield PaletteCommand(
        _("Theme: switch light/dark"), _("outreach's light or dark theme"),
        app.action_toggle_theme,
    )
    yield PaletteCommand(
        _("Help: keys and views"), _("what each view does and its keys"), app.action_help
    )
    yield PaletteCommand(
        _("Mailbox: add …"), _("a new sending mailbox (tested before saving)"), app.add_mailbox
    )
    yield PaletteCommand(
        _("Inbox: replies to read"), _("replies nobody marked yet"), app.replies_to_read
    )
    yield PaletteCommand(
        _("Campaign: new …"), _("sequence, mailboxes, prospects; plan; start"), app.new_campaign
    )
    yield PaletteCommand(
        _("Prospects: import a CSV …"), _("pick a file, check its columns, import"),
        app.import_prospects,
    )
    yield PaletteCommand(_("Prospects: search …"), _("find a prospect"), app.search_prospects)


def entity_commands(app: Any, names: PaletteNames) -> Iterator[PaletteCommand]:
    for name, state in names.campaigns:
        yield from _campaign(app, name, state)
    for email, paused in names.mailboxes:
        yield PaletteCommand(
            _("Mailbox {email}: test connection").format(email=email),
            _("log in step by step"),
            partial(app.test_mailbox, email),
        )
        yield PaletteCommand(
            _("Mailbox {email}: edit").format(email=email),
            _("change its settings"),
            partial(app.edit_mailbox, email),
        )
        if paused:
            title, about = _("Mailbox {email}: resume"), _("resume sending from it")
        else:
            title, about = _("Mailbox {email}: pause"), _("pause sending from it")
        yield PaletteCommand(
            title.format(email=email),
            about,
            partial(app.mailbox_command, email, "resume" if paused else "pause"),
        )
    for path in names.sequences:
        yield PaletteCommand(
            _("Sequence {file}: check").format(file=path.name),
            _("validate it, findings by line"),
            partial(app.open_sequence, path, False),
        )
        yield PaletteCommand(
            _("Sequence {file}: edit").format(file=path.name),
            _("open it in $EDITOR, then check"),
            partial(app.open_sequence, path, True),
        )


CAMPAIGN_VERBS = {
    "draft": ("start", N_("Campaign {name}: start")),
    "active": ("pause", N_("Campaign {name}: pause")),
    "paused": ("resume", N_("Campaign {name}: resume")),
}


def _campaign(app: Any, name: str, state: str) -> Iterator[PaletteCommand]:
    yield PaletteCommand(
        _("Campaign {name}: open").format(name=name),
        _("{state}; its enrollments").format(state=state_label(state)),
        partial(app.open_campaign, name, "enrollments"),
    )
    yield PaletteCommand(
        _("Campaign {name}: plan").format(name=name),
        _("the projected schedule"),
        partial(app.open_campaign, name, "plan"),
    )
    if state != "archived":
        yield PaletteCommand(
            _("Campaign {name}: export CSV").format(name=name),
            _("replies, prospects or events (Excel or CSV)"),
            partial(app.export_campaign, name),
        )
    if state in CAMPAIGN_VERBS:
        verb, title = CAMPAIGN_VERBS[state]
        yield PaletteCommand(
            _(title).format(name=name),
            _("it is {state} now").format(state=state_label(state)),
            partial(app.campaign_command, name, verb),
        )


def screen_commands(screen: Any) -> Iterator[PaletteCommand]:
    """The keys of the screen the palette was opened on, by their description."""
    for binding in getattr(screen, "BINDINGS", []):
        if isinstance(binding, Binding) and binding.description and binding.show:
            title = _("This view: {action}").format(action=_(binding.description))
            yield PaletteCommand(
                title,
                _("key {key}").format(key=binding.key),
                partial(screen.run_action, binding.action),
            )
