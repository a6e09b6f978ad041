"""Snapshots of every screen in German (issue 21), beside the English ones of
``test_tui_snapshots.py``: the same fixed world, keys and sizes, the app built and run
after ``i18n.use("de")`` (so its key descriptions are German too).

Update after a deliberate change of the look or of a translation: ``pytest
tests/test_tui_snapshots_de.py --snapshot-update`` (then look at the SVGs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from outreach import i18n
from tests.test_tui_support import SCREENS, SIZES, World, make_app, reach, settle, write_leads

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

Compare = Callable[..., bool]


@pytest.fixture
def german() -> Iterator[None]:
    with i18n.language("de"):
        yield


@pytest.fixture
def app_de(german: None, world: World, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app built in German, with the folders given relatively; Lena's leads.csv here."""
    monkeypatch.chdir(world.sequences.parent)
    write_leads(world.sequences.parent)
    return make_app(world, sequences_dir=Path("sequences"))


CASES = [(name, keys, after, size) for name, keys, after in SCREENS for size in SIZES]


@pytest.mark.parametrize(
    ("name", "keys", "after", "size"), CASES, ids=[f"{c[0]}-{c[3][0]}x{c[3][1]}" for c in CASES]
)
def test_screen_de(
    name: str,
    keys: tuple[str, ...],
    after: Callable[[Any], None] | None,
    size: tuple[int, int],
    app_de: Any,
    snap_compare: Compare,
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await reach(pilot, keys, after)

    assert i18n.current() == "de"
    assert snap_compare(app_de, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_mailbox_form_with_errors_de(size: tuple[int, int], app_de: Any, snap_compare: Compare) -> None:
    def bad_input(app: Any) -> None:
        app.screen.query_one("#email", Input).value = "lena at firma"
        app.screen.query_one("#smtp_port", Input).value = "99999"

    async def run(pilot: Pilot[Any]) -> None:
        await reach(pilot, ("6", "a"), bad_input)
        await pilot.click("#test-save")
        await settle(pilot)

    assert snap_compare(app_de, terminal_size=size, run_before=run)
