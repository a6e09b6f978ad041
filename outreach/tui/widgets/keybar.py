"""The keys of the focused place, on one line at the bottom (clickable).

A single Static redrawn when the bindings change: Textual's Footer rebuilds a widget per
key on every focus change, which costs more than a search at 100,000 prospects.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """``key description`` for every shown binding; a click presses the key."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $foreground; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        key_style = Style(bold=True, color=self.app.current_theme.secondary)
        text = Text(no_wrap=True, overflow="ellipsis")
        palette = Style(meta={"@click": "app.command_palette"})
        text.append(" ^p ", key_style + palette)
        text.append("palette │", palette)
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            click = Style(meta={"@click": f"app.simulate_key({binding.key.split(',')[0]!r})"})
            text.append(f" {self.app.get_key_display(binding)} ", key_style + click)
            text.append(binding.description + " ", Style(dim=not enabled) + click)
        self.update(text)
