"""Key descriptions in the rep's language.

``BINDINGS`` are class attributes, evaluated at import, before a language is chosen: their
descriptions are marked with ``N_()``. Textual copies a class's merged bindings into
``self._bindings`` when a node is constructed (``DOMNode.__init__``); :class:`Translated`
replaces that copy with one whose descriptions (and tooltips) are translated, so an app
built after ``i18n.use("de")`` shows German keys in the key bar, the help and the palette,
and one built after ``i18n.use("en")`` English — in the same process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from outreach.i18n import _


def translated(binding: Binding) -> Binding:
    """``binding`` with its description and tooltip in the rep's language."""
    return replace(
        binding,
        description=_(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
    )


def translated_map(bindings: BindingsMap) -> BindingsMap:
    return BindingsMap.from_keys(
        {key: [translated(b) for b in found] for key, found in bindings.key_to_bindings.items()}
    )


class Translated(DOMNode):
    """Put after the Textual base: ``class X(Screen[None], Translated)`` (Textual reads a
    class's CSS from its first base: the widget's own must stay first)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bindings = translated_map(self._bindings)
