"""Export a campaign's replies, prospects or events to a CSV file — plain (``,``, UTF-8)
or for Excel (``;``, UTF-8 with BOM) — with the same functions as ``outreach export``.
``ModalScreen`` → the path written (None: nothing written)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from sqlalchemy import Engine
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from outreach.errors import OutreachError
from outreach.i18n import N_, _, ngettext
from outreach.tui import format as fmt
from outreach.tui.bindings import Translated
from outreach.tui.context import context_of
from outreach.tui.screens.pickers import MODAL_CSS
from outreach.tui.widgets.form import FormField
from outreach.views.exports import KINDS, export_rows, to_csv, to_excel_csv

FORMATS = (
    ("excel", N_("Excel (; separated, UTF-8 with BOM: umlauts intact in a German Excel)")),
    ("csv", N_("CSV (, separated, UTF-8: for a CRM)")),
)

KIND_NAMES = {"replies": N_("replies"), "prospects": N_("prospects"), "events": N_("events")}
"""What can be exported, as the rep reads it (the file names keep the English kind)."""


@dataclass(frozen=True)
class ExportDone:
    path: Path
    rows: int


def write_export(db: Engine, campaign: str, kind: str, form: str, path: Path) -> ExportDone:
    """Write ``kind`` rows of ``campaign`` to ``path`` as ``outreach export`` does."""
    rows = export_rows(db, kind, campaign)
    data = to_excel_csv(rows) if form == "excel" else to_csv(rows).encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise OutreachError(
            _("{path}: cannot write ({why})").format(path=path, why=exc.strerror),
            hint=_("choose a folder you can write to"),
        ) from exc
    return ExportDone(path, len(rows))


class ExportScreen(ModalScreen[Path | None], Translated):
    """Escape cancels; Enter in the file name exports."""

    DEFAULT_CSS = MODAL_CSS.format(name="ExportScreen") + """
    ExportScreen > Vertical { width: 90; max-width: 100%; }
    ExportScreen FormField { width: 100%; }
    ExportScreen #export-note { height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    @dataclass
    class Written(Message):
        done: ExportDone | None
        error: str | None = None

    def __init__(self, campaign: str, folder: Path | None = None) -> None:
        super().__init__()
        self.campaign = campaign
        self.folder = folder or Path(".")

    def compose(self) -> ComposeResult:
        kinds = [(_(KIND_NAMES.get(kind, kind)), kind) for kind in KINDS]
        with Vertical():
            question = _("Export campaign {name}").format(name=self.campaign)
            yield Label(Text(question), classes="question")
            yield FormField(_("What"), Select(kinds, value="replies", allow_blank=False,
                                              id="export-kind"), name="kind")
            yield FormField(_("Format"), Select([(_(label), key) for key, label in FORMATS],
                                                value="excel", allow_blank=False,
                                                id="export-format"), name="format")
            yield FormField(_("File"), Input(self._default_path("replies"), id="export-path"),
                            name="path")
            yield Label("", id="export-note")
            with Horizontal():
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Export"), id="export", variant="primary")

    def _default_path(self, kind: str) -> str:
        return str(self.folder / f"{self.campaign}-{kind}.csv")

    def on_mount(self) -> None:
        self.query_one("#export-kind", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-kind":
            field = self.query_one("#export-path", Input)
            kinds = [self._default_path(k) for k in KINDS]
            if field.value in kinds:  # still a name we suggested: follow the choice
                field.value = self._default_path(str(event.value))

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.action_export()
        else:
            self.action_cancel()

    def action_export(self) -> None:
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.query_one("#field-path", FormField).show_error(_("give a file name"))
            return
        kind = str(self.query_one("#export-kind", Select).value)
        form = str(self.query_one("#export-format", Select).value)
        self._write(kind, form, Path(path).expanduser())

    @work(thread=True, exclusive=True, group="export")
    def _write(self, kind: str, form: str, path: Path) -> None:
        db = context_of(self.app).db
        try:
            done = write_export(db, self.campaign, kind, form, path)
        except OutreachError as exc:
            self.post_message(self.Written(None, str(exc)))
        else:
            self.post_message(self.Written(done))

    def on_export_screen_written(self, message: Written) -> None:
        if message.done is None:
            self.query_one("#field-path", FormField).show_error(message.error)
            return
        done = message.done
        said = ngettext("{count} row written to {path}", "{count} rows written to {path}",
                        done.rows).format(count=fmt.number(done.rows), path=done.path)
        self.app.notify(said, title=_("Export"))
        self.dismiss(done.path)

    def action_cancel(self) -> None:
        self.dismiss(None)
