"""Running a command (pause a campaign, mark a reply …) off the event loop.

Commands are plain functions returning a sentence about what they did; they run in a
thread worker, their result (or :class:`OutreachError`) becomes a notification, and the
visible screen is told that data changed. Screens and the command palette share them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.app import App
from textual.worker import Worker

from outreach.errors import OutreachError
from outreach.i18n import _
from outreach.tui.engine_host import engine_of
from outreach.tui.messages import DataChanged

Command = Callable[[], str]


class CommandRunner:
    """Runs commands for one app."""

    GROUP = "commands"

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.done: list[str] = []
        """What each finished command said, newest last (also shown as notifications)."""

    def run(self, command: Command, *, what: str) -> Worker[None]:
        work = partial(self._call, command, what)
        return self.app.run_worker(work, thread=True, group=self.GROUP, exit_on_error=False)

    def _call(self, command: Command, what: str) -> None:
        try:
            said = command()
        except OutreachError as exc:
            self.app.call_from_thread(self._failed, what, exc)
        else:
            self.app.call_from_thread(self._succeeded, what, said)

    def _succeeded(self, what: str, said: str) -> None:
        self.done.append(said)
        self.app.notify(said, title=what)
        self.app.screen.post_message(DataChanged(what))
        engine_of(self.app).nudge()

    def _failed(self, what: str, exc: OutreachError) -> None:
        self.done.append(f"error: {exc}")
        title = _("{what} failed").format(what=what)
        self.app.notify(str(exc), title=title, severity="error", timeout=10)


def commands_of(app: App[Any]) -> CommandRunner:
    """The command runner of an :class:`~outreach.tui.app.OutreachApp`."""
    runner = getattr(app, "commands", None)
    if not isinstance(runner, CommandRunner):
        raise TypeError("this screen needs the outreach app (build it with build_app)")
    return runner
