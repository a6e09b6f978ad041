"""A labelled form field whose error is shown right under it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static


class FormField(Vertical):
    """Label, control, and a red line for what is wrong with it (hidden when nothing is)."""

    DEFAULT_CSS = """
    FormField { height: auto; width: 1fr; margin: 0 1 0 0; }
    FormField > Label { color: $text-muted; }
    FormField > .field-error { color: $error; display: none; }
    FormField.-invalid > .field-error { display: block; }
    FormField.-invalid Input { border: tall $error; }
    """

    def __init__(self, label: str, control: Widget, *, name: str) -> None:
        super().__init__(id=f"field-{name}")
        self.label = label
        self.control = control
        self.field_name = name
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield self.control
        yield Static("", classes="field-error")

    @property
    def value(self) -> str:
        control = self.control
        if isinstance(control, Input):
            return control.value
        if isinstance(control, Checkbox):
            return "true" if control.value else "false"
        if isinstance(control, Select):
            return "" if control.value is Select.BLANK else str(control.value)
        return ""

    def show_error(self, message: str | None) -> None:
        self.error = message
        self.query_one(".field-error", Static).update(Text(f"✗ {message}" if message else ""))
        self.set_class(bool(message), "-invalid")
