"""A click group that imports a subcommand's module only when that command runs.

``outreach --help`` lists every command from a table of literal short help strings, so
asking for help, or running one command, never loads the modules of all the others
(SQLAlchemy, rich, the classifier, DNS…). See click's "Lazily loading subcommands".
"""

from __future__ import annotations

import gc
import importlib
from dataclasses import dataclass

import click
from click.utils import make_default_short_help

from outreach.i18n import _


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives, and the line ``--help`` shows for it without importing it."""

    module: str
    """Dotted module path, e.g. ``outreach.cli.mailbox``."""
    attribute: str
    """The click command or group object in that module."""
    short_help: str
    """One line for the command list of the parent's ``--help`` (marked with ``N_``)."""
    also_import: tuple[str, ...] = ()
    """Modules that add subcommands to this group when imported (e.g. ``prospects verify``)."""


class LazyGroup(click.Group):
    """A group whose subcommands are :class:`LazyCommand` entries until first used."""

    def __init__(self, *args: object, lazy: dict[str, LazyCommand], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            self.add_command(load_command(self.lazy_commands[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from the literal short help strings (nothing is imported)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, self._short_help(name, limit)) for name in names])

    def _short_help(self, name: str, limit: int) -> str:
        entry = self.lazy_commands.get(name)
        if entry is not None:
            return make_default_short_help(_(entry.short_help), limit)
        return self.commands[name].get_short_help_str(limit)


def load_command(entry: LazyCommand) -> click.Command:
    """Import the module of ``entry`` (and its ``also_import`` modules); return the command."""
    module = importlib.import_module(entry.module)
    for extra in entry.also_import:
        importlib.import_module(extra)
    gc.enable()  # off while `main` started up (imports); the command runs with it
    command = getattr(module, entry.attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
    return command
