"""Snapshots of every screen on the fixed world (fixed clock, UTC, relative folders) at
100×30 and 160×48: the column priorities keep what matters at the small size and cut
nothing needlessly at the large one.

Update after a deliberate change of the look: ``pytest tests/test_tui_snapshots.py
--snapshot-update`` (then look at the SVGs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.test_tui_support import SCREENS, SIZES, World, make_app, reach, settle, write_leads

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

Compare = Callable[..., bool]


@pytest.fixture
def app_here(world: World, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app with the folders given relatively (the same paths on every run); Lena's
    leads.csv in the current folder."""
    monkeypatch.chdir(world.sequences.parent)
    write_leads(world.sequences.parent)
    return make_app(world, sequences_dir=Path("sequences"))


CASES = [(name, keys, after, size) for name, keys, after in SCREENS for size in SIZES]


@pytest.mark.parametrize(
    ("name", "keys", "after", "size"), CASES, ids=[f"{c[0]}-{c[3][0]}x{c[3][1]}" for c in CASES]
)
def test_screen(
    name: str,
    keys: tuple[str, ...],
    after: Callable[[Any], None] | None,
    size: tuple[int, int],
    app_here: Any,
    snap_compare: Compare,
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await reach(pilot, keys, after)

    assert snap_compare(app_here, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_mailbox_form_with_errors(size: tuple[int, int], app_here: Any, snap_compare: Compare) -> None:
    def bad_input(app: Any) -> None:
        app.screen.query_one("#email", Input).value = "lena at firma"
        app.screen.query_one("#smtp_port", Input).value = "99999"

    async def run(pilot: Pilot[Any]) -> None:
        await reach(pilot, ("6", "a"), bad_input)
        await pilot.click("#test-save")
        await settle(pilot)

    assert snap_compare(app_here, terminal_size=size, run_before=run)
