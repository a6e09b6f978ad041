"""Snapshots of every view on the fixed world (fixed clock, UTC, relative sequences dir).

Update after a deliberate change of the look: ``pytest tests/test_tui_snapshots.py
--snapshot-update`` (then look at the SVGs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.test_tui_support import World, make_app, settle

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

SIZE = (120, 34)
Compare = Callable[..., bool]


def steps(*keys: str, after: Callable[[Pilot[Any]], None] | None = None) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Press ``keys`` one by one, letting the workers finish after each; no blinking cursor."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if after is not None:
            after(pilot)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    return run


@pytest.fixture
def app_here(world: World, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app with the sequences folder given relatively (the same path on every run)."""
    monkeypatch.chdir(world.sequences.parent)
    return make_app(world, sequences_dir=Path("sequences"))


VIEWS: Iterable[tuple[str, tuple[str, ...]]] = (
    ("dashboard", ()),
    ("campaigns", ("2",)),
    ("campaign_plan", ("2", "l")),
    ("prospects", ("3",)),
    ("timeline", ("3", "down", "enter")),
    ("inbox_reply", ("4", "f")),
    ("sequence_check", ("5",)),
    ("mailboxes", ("6",)),
)


@pytest.mark.parametrize(("name", "keys"), VIEWS, ids=[name for name, _ in VIEWS])
def test_view(name: str, keys: tuple[str, ...], app_here: Any, snap_compare: Compare) -> None:
    assert snap_compare(app_here, terminal_size=SIZE, run_before=steps(*keys))


def test_mailbox_form_with_errors(app_here: Any, snap_compare: Compare) -> None:
    def bad_input(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#email", Input).value = "lena at firma"
        pilot.app.screen.query_one("#smtp_port", Input).value = "99999"

    async def run(pilot: Pilot[Any]) -> None:
        await steps("6", "a", after=bad_input)(pilot)
        await pilot.click("#test-save")
        await settle(pilot)

    assert snap_compare(app_here, terminal_size=(120, 44), run_before=run)
