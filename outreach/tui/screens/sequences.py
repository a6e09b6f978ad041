"""Sequences: the YAML files in the sequences folder, validated with findings inline by
line, a side-by-side preview of every step for one prospect, and $EDITOR to fix them."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Header, Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from outreach.errors import OutreachError
from outreach.i18n import N_, _
from outreach.tui.screens.base import DataScreen
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.sequence_view import render_check, render_step
from outreach.views.prospects import first_prospect_email
from outreach.views.sequences import (
    PreviewStep,
    SequenceCheck,
    check_sequence,
    known_merge_fields,
    preview_sequence,
    sequence_files,
)

SIDE_BY_SIDE = 130
"""The least width at which the previewed steps stand side by side."""


class SequencesScreen(DataScreen):
    """Files on the left; the chosen one checked (and previewed) on the right."""

    ABOUT = N_("Files on the left; the chosen one checked (and previewed) on the right.")
    FOLLOWS_ENGINE = False  # the engine does not touch the files
    BINDINGS = [
        Binding("e", "edit", N_("Edit in $EDITOR")),
        Binding("c", "validate", N_("Check again")),
        Binding("v", "preview", N_("View as a prospect …")),
        Binding("escape", "leave_field", N_("To the files"), show=False),
    ]

    @dataclass
    class FilesListed(Message):
        files: list[Path]

    @dataclass
    class Checked(Message):
        check: SequenceCheck

    @dataclass
    class Previewed(Message):
        path: Path
        prospect: str
        steps: list[PreviewStep]
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.files: list[Path] = []
        self.path: Path | None = None
        self.prospect: str | None = None
        self.checks = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="sequence-panes"):
            with Vertical(id="files-region", classes="region"):
                yield OptionList(id="sequence-files")
            with TabbedContent(id="sequence-tabs"):
                with TabPane(_("Check"), id="check-tab"), VerticalScroll():
                    yield Static(id="check")
                with TabPane(_("Preview"), id="preview-tab"):
                    yield Input(placeholder=_("prospect address (Enter)"), id="preview-prospect")
                    yield Static(id="preview-status")
                    yield Horizontal(id="preview-steps")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < SIDE_BY_SIDE, "-narrow")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#files-region").border_title = _short(self.ctx.sequences_dir)

    def reload(self) -> None:
        self._list_files()

    @work(thread=True, exclusive=True, group="sequence-files")
    def _list_files(self) -> None:
        folders = [Path.cwd(), self.ctx.sequences_dir]  # the rep's own files first
        self.post_message(self.FilesListed(list(sequence_files(folders))))

    def on_sequences_screen_files_listed(self, message: FilesListed) -> None:
        if message.files == self.files and self.path is not None:
            return
        self.files = message.files
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._label(p), id=str(p)) for p in self.files])
        if not self.files:
            hint = _(
                "No .yaml files in {folder} or the current folder: "
                "`outreach sequence new --example de > q1.yaml` writes one."
            ).format(folder=self.ctx.sequences_dir)
            self.query_one("#check", Static).update(Text(hint))
            return
        chosen = self.path if self.path in self.files else self.files[0]
        options.highlighted = self.files.index(chosen)
        self.choose(chosen)

    def _label(self, path: Path) -> str:
        """A file of the current folder as ``./name`` (the sequences folder's by name)."""
        here = path.parent.resolve() == Path.cwd().resolve()
        inside = path.parent.resolve() == self.ctx.sequences_dir.resolve()
        return f"./{path.name}" if here and not inside else path.name

    def action_leave_field(self) -> None:
        """Esc in the preview's address field: back to the list of files."""
        self.query_one(OptionList).focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and Path(event.option.id) != self.path:
            self.choose(Path(event.option.id))

    def choose(self, path: Path) -> None:
        self.path = path
        self._check(path)
        if self.prospect:
            self._preview(path, self.prospect)

    def action_validate(self) -> None:
        if self.path is not None:
            self._check(self.path)

    @work(thread=True, exclusive=True, group="sequence-check")
    def _check(self, path: Path) -> None:
        self.post_message(self.Checked(check_sequence(path, known_merge_fields(self.ctx.db))))

    def on_sequences_screen_checked(self, message: Checked) -> None:
        if message.check.path == self.path:
            self.query_one("#check", Static).update(render_check(message.check))
            self.checks += 1

    def action_preview(self) -> None:
        self.query_one(TabbedContent).active = "preview-tab"
        field = self.query_one("#preview-prospect", Input)
        field.focus()
        if not field.value:
            self._suggest_prospect()

    @work(thread=True, exclusive=True, group="sequence-prospect")
    def _suggest_prospect(self) -> None:
        first = first_prospect_email(self.ctx.db)
        if first:
            self.app.call_from_thread(self._fill_prospect, first)

    def _fill_prospect(self, email: str) -> None:
        field = self.query_one("#preview-prospect", Input)
        if not field.value:
            field.value = email

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.prospect = event.value.strip()
        if self.path is not None and self.prospect:
            self.query_one("#preview-status", Static).update(_("rendering …"))
            self._preview(self.path, self.prospect)

    @work(thread=True, exclusive=True, group="sequence-preview")
    def _preview(self, path: Path, prospect: str) -> None:
        try:
            steps = preview_sequence(self.ctx.db, path, prospect)
        except OutreachError as exc:
            self.post_message(self.Previewed(path, prospect, [], str(exc)))
        else:
            self.post_message(self.Previewed(path, prospect, steps))

    async def on_sequences_screen_previewed(self, message: Previewed) -> None:
        columns = self.query_one("#preview-steps", Horizontal)
        await columns.remove_children()
        status = self.query_one("#preview-status", Static)
        if message.error:
            status.update(Text(f"✗ {message.error}", style="red"))
            return
        status.update(Text(_("{file} as {prospect} will receive it:").format(
            file=message.path.name, prospect=message.prospect)))
        await columns.mount_all(
            VerticalScroll(Static(render_step(step)), classes="preview-step")
            for step in message.steps
        )

    def action_edit(self) -> None:
        """Open the file in $VISUAL/$EDITOR (the TUI steps aside), then validate again."""
        if self.path is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), str(self.path)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:  # headless (tests): run it without the terminal
            subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        self.choose(self.path)


def _short(folder: Path) -> str:
    """The folder as the title shows it: ``~/…`` under the home directory."""
    try:
        return "~/" + str(folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)
