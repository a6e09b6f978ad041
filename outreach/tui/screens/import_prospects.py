"""Import prospects without leaving the TUI: pick a CSV file, see how it is read and where
each column goes, import it with a progress bar, then every rejected row with its line
and why — ``outreach prospects import`` behind it. Returns the import's summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DirectoryTree, Header, Input, ProgressBar, Static

from outreach.errors import OutreachError
from outreach.i18n import N_, _, ngettext
from outreach.prospects.service import ImportSummary, import_prospects, normalize_tags
from outreach.tui import format as fmt
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.form import FormField
from outreach.tui.widgets.keybar import KeyBar
from outreach.views.imports import ImportPreview, line_count, preview_import

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
MAPPING_COLUMNS = (
    Col(N_("column in the file"), 14, 30, keep=10), Col(N_("goes to"), 12, 36, keep=9),
    Col(N_("first row"), 10, 40, keep=5),
)  # fmt: skip


class CsvTree(DirectoryTree):
    """Folders and the files an import can read (hidden ones left out)."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in CSV_SUFFIXES)
        ]  # fmt: skip


class ImportScreen(Screen[ImportSummary | None], Translated):
    """Esc goes back (an import already done stays done)."""

    BINDINGS = [Binding("escape", "close", N_("Back"))]
    DEFAULT_CSS = """
    ImportScreen #import-panes { height: 1fr; }
    ImportScreen #import-files { width: 1fr; min-width: 24; }
    ImportScreen #import-right { width: 3fr; padding: 0 1; }
    ImportScreen #import-about, ImportScreen #import-result { height: auto; }
    ImportScreen #import-mapping { height: auto; max-height: 10; }
    ImportScreen #import-rejected { height: auto; max-height: 12; }
    ImportScreen Horizontal#import-actions { height: auto; }
    ImportScreen #import-actions FormField { width: 1fr; }
    ImportScreen #import-actions Button { margin: 1 0 0 1; }
    ImportScreen ProgressBar { margin: 0 1; }
    """

    @dataclass
    class Previewed(Message):
        path: Path
        preview: ImportPreview | None
        error: str | None = None

    @dataclass
    class Progressed(Message):
        """A new bar of ``total`` steps, a step forward by ``advance``, or ``reached``."""

        total: int | None = None
        advance: int = 0
        reached: int | None = None

    @dataclass
    class Imported(Message):
        summary: ImportSummary | None
        error: str | None = None

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or Path(".")
        self.preview: ImportPreview | None = None
        self.summary: ImportSummary | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="import-panes"):
            yield CsvTree(self.folder, id="import-files", classes="region")
            with VerticalScroll(id="import-right"):
                yield Static(Text(_("Choose a CSV file on the left (Enter)."), style="dim"),
                             id="import-about")
                yield FittedTable(MAPPING_COLUMNS, id="import-mapping", cursor_type="none")
                with Horizontal(id="import-actions"):
                    yield FormField(_("Tag every imported prospect (e.g. q1)"),
                                    Input(id="import-tag"), name="tag")
                    yield Button(_("Import"), id="import", variant="primary", disabled=True)
                yield ProgressBar(id="import-progress", show_eta=False)
                yield Static(id="import-result")
                yield Static(id="import-rejected")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("import prospects")
        here = "./" if self.folder == Path(".") else str(self.folder)
        self.query_one("#import-files").border_title = _("CSV files in {folder}").format(
            folder=here
        )
        for hidden in ("#import-mapping", "#import-rejected", "#import-progress"):
            self.query_one(hidden).display = False
        self.query_one(CsvTree).focus()

    # -- choose and preview -----------------------------------------------------------

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.choose(event.path)

    def choose(self, path: Path) -> None:
        """Read and check ``path`` (nothing is saved yet)."""
        self.summary = None
        reading = _("reading {file} …").format(file=path.name)
        self.query_one("#import-about", Static).update(Text(reading, "dim"))
        self.query_one("#import-result", Static).update("")
        self.query_one("#import-rejected").display = False
        self.query_one("#import", Button).disabled = True
        self._preview(path)

    @work(thread=True, exclusive=True, group="import-preview")
    def _preview(self, path: Path) -> None:
        try:
            self.post_message(self.Progressed(total=line_count(path)))
            preview = preview_import(path, self._read_to)
        except OutreachError as exc:
            self.post_message(self.Previewed(path, None, str(exc)))
        else:
            self.post_message(self.Previewed(path, preview))

    def _read_to(self, line: int) -> None:
        self.post_message(self.Progressed(reached=line))

    def on_import_screen_previewed(self, message: Previewed) -> None:
        self.query_one("#import-progress").display = False
        about = self.query_one("#import-about", Static)
        mapping = self.query_one("#import-mapping", FittedTable)
        if message.preview is None:
            self.preview = None
            mapping.display = False
            about.update(Text(f"✗ {message.error}", style="bold red"))
            return
        self.preview = preview = message.preview
        parsed = preview.parsed
        text = Text(preview.described, style="bold")
        text.append("\n" + _(
            "{prospects} to import, {rejected} rejected, {duplicates} merged"
        ).format(
            prospects=ngettext("{count} prospect", "{count} prospects", len(parsed.rows)).format(
                count=fmt.number(len(parsed.rows))),
            rejected=ngettext("{count} row", "{count} rows", len(parsed.rejected)).format(
                count=fmt.number(len(parsed.rejected))),
            duplicates=ngettext("{count} duplicate", "{count} duplicates",
                                len(parsed.duplicates)).format(
                count=fmt.number(len(parsed.duplicates))),
        ))  # fmt: skip
        for note in parsed.columns.notes:
            text.append("\n" + _("note: {note}").format(note=note), style="yellow")
        about.update(text)
        mapping.display = True
        mapping.show_rows([(c.header, [c.header, c.goes_to, c.example]) for c in preview.columns])
        self._show_rejected()
        self.query_one("#import", Button).disabled = not parsed.rows
        self.query_one("#import-tag", Input).focus()

    def _show_rejected(self) -> None:
        """Every rejected row: its line in the file and why (wrapped, never cut)."""
        rejected = self.preview.parsed.rejected if self.preview else ()
        text = Text(ngettext("{count} row not imported:", "{count} rows not imported:",
                             len(rejected)).format(count=fmt.number(len(rejected))), style="bold")
        for rejection in rejected:
            text.append("\n" + _("line {line}: ").format(line=rejection.line), style="bold red")
            text.append(rejection.reason)
        widget = self.query_one("#import-rejected", Static)
        widget.display = bool(rejected)
        widget.update(text)

    # -- import -----------------------------------------------------------------------------

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_import()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import":
            self.action_import()

    def action_import(self) -> None:
        preview, button = self.preview, self.query_one("#import", Button)
        if preview is None or button.disabled:
            return
        raw = self.query_one("#import-tag", Input).value
        try:
            tags = normalize_tags(t for t in raw.split(",") if raw.strip())
        except OutreachError as exc:
            self.query_one("#field-tag", FormField).show_error(exc.message)
            return
        self.query_one("#field-tag", FormField).show_error(None)
        button.disabled = True
        self.post_message(self.Progressed(total=len(preview.parsed.rows)))
        self._import(preview, tags)

    @work(thread=True, exclusive=True, group="import")
    def _import(self, preview: ImportPreview, tags: tuple[str, ...]) -> None:
        db = context_of(self.app).db
        try:
            summary = import_prospects(db, preview.parsed, tags=tags, on_progress=self._saved)
        except OutreachError as exc:
            self.post_message(self.Imported(None, str(exc)))
        else:
            self.post_message(self.Imported(summary))

    def _saved(self, rows: int) -> None:
        self.post_message(self.Progressed(advance=rows))

    def on_import_screen_progressed(self, message: Progressed) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        if message.total is not None:
            bar.display = True
            bar.update(total=message.total, progress=0)
        elif message.reached is not None:
            bar.update(progress=message.reached)
        else:
            bar.advance(message.advance)

    def on_import_screen_imported(self, message: Imported) -> None:
        result = self.query_one("#import-result", Static)
        if message.summary is None:
            self.query_one("#import", Button).disabled = False
            result.update(Text(f"✗ {message.error}", style="bold red"))
            return
        self.summary = summary = message.summary
        result.update(summary_text(summary))
        self._show_rejected()

    def action_close(self) -> None:
        self.dismiss(self.summary)


def summary_text(summary: ImportSummary) -> Text:
    """What ``prospects import`` prints: counts, then the rejected rows (listed below)."""
    counts = {"new": fmt.number(summary.created), "updated": fmt.number(summary.updated),
              "unchanged": fmt.number(summary.unchanged)}  # fmt: skip
    if summary.tags:
        said = _("✓ imported {file} tagged {tags}: {new} new, {updated} updated, "
                 "{unchanged} unchanged").format(file=summary.file, tags=", ".join(summary.tags),
                                                 **counts)  # fmt: skip
    else:
        said = _("✓ imported {file}: {new} new, {updated} updated, {unchanged} unchanged").format(
            file=summary.file, **counts)
    text = Text(said, style="bold green")
    if summary.duplicates:
        text.append("\n" + ngettext(
            "{count} duplicate row merged into the first",
            "{count} duplicate rows merged into the first", len(summary.duplicates),
        ).format(count=fmt.number(len(summary.duplicates))))  # fmt: skip
    if summary.suppressed:
        text.append("\n" + _("{count} suppressed (imported; campaigns skip them)").format(
            count=fmt.number(len(summary.suppressed))))
    if summary.rejected:
        text.append("\n" + ngettext(
            "{count} row rejected (nothing else was lost):",
            "{count} rows rejected (nothing else was lost):", len(summary.rejected),
        ).format(count=fmt.number(len(summary.rejected))), style="bold red")  # fmt: skip
    return text
