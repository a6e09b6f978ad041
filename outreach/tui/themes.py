"""outreach's two themes (Textual's theme system: switch with ctrl+t or the palette)."""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="outreach-dark",
    primary="#4FB3BF",
    secondary="#E9A23B",
    accent="#B98EFF",
    success="#5BC27A",
    warning="#E9C46A",
    error="#E5616F",
    background="#14181C",
    surface="#1C2126",
    panel="#242B31",
    dark=True,
)
LIGHT = Theme(
    name="outreach-light",
    primary="#1D6F7A",
    secondary="#A8620F",
    accent="#6B3FC2",
    success="#2E7D46",
    warning="#9A6A00",
    error="#B3261E",
    background="#F7F5F0",
    surface="#FFFFFF",
    panel="#ECE8DF",
    dark=False,
)
THEMES = (DARK, LIGHT)


def other_theme(dark: bool) -> str:
    """outreach's light theme when a dark one is on, else its dark one."""
    return LIGHT.name if dark else DARK.name
