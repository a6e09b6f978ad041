"""The keys of the focused place at the bottom (clickable), on as many lines as they need.

A single Static redrawn when the bindings change or the width does: Textual's Footer
rebuilds a widget per key on every focus change, which costs more than a search at
100,000 prospects, and it cuts what does not fit on one line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widgets import Static

from outreach.i18n import _

Item = tuple[str, str, Style, bool]
"""A key as shown, its description, its click, and whether it can be used now."""


class KeyBar(Static):
    """``key description`` for every shown binding; a click presses the key."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 3; background: $panel; color: $foreground; }
    """

    def on_mount(self) -> None:
        self.items: list[Item] = []
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, _event: events.Resize) -> None:
        self._draw()

    def bindings_changed(self, screen: Screen[object]) -> None:
        palette = Style(meta={"@click": "app.command_palette"})
        self.items = [("^p", _("palette"), palette, True)]
        seen: set[str] = set()
        views = False
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            if binding.action.startswith("switch_mode("):
                views = True  # the six views as one item: "1–6 views"
                continue
            seen.add(binding.action)
            click = Style(meta={"@click": f"app.simulate_key({binding.key.split(',')[0]!r})"})
            self.items.append((self.app.get_key_display(binding), binding.description, click,
                               enabled))  # fmt: skip
        if views:
            self.items.append(("1–6", _("views"), Style(), True))
        self._draw()

    def _draw(self) -> None:
        width = self.size.width or self.app.size.width
        key_style = Style(bold=True, color=self.app.current_theme.secondary)
        text = Text(no_wrap=True, overflow="ellipsis")
        used = 0
        for key, description, click, enabled in self.items:
            length = cell_len(f" {key} {description} ")
            if used and used + length > width:
                text.append("\n")
                used = 0
            text.append(f" {key} ", key_style + click)
            text.append(description + " ", Style(dim=not enabled) + click)
            used += length
        self.update(text)
