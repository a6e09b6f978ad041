"""Export from the TUI (#20 item 6): a campaign's replies for Excel (``;``, UTF-8 with BOM)
and its prospects as plain CSV, written by the same functions as ``outreach export`` and
read back."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import update
from textual.widgets import Input, Select

from outreach.store.models import Prospect
from outreach.tui.screens.campaign import CampaignScreen
from outreach.tui.screens.export import ExportScreen
from outreach.views.exports import reply_rows
from tests.test_tui_support import World, make_app, settle

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures


async def go(pilot: Any, *keys: str) -> None:
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_path(pilot: Any, path: Path) -> None:
    field = pilot.app.screen.query_one("#export-path", Input)
    field.focus()
    field.value = ""  # the suggested name cleared; the path typed
    await pilot.press(*str(path))
    await go(pilot, "enter")


async def test_export_replies_for_excel_from_the_campaign_screen(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "q1 Antworten.csv"
    app = make_app(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(pilot, "2", "enter", "w")
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#export-format", Select).value == "excel"  # the default
        await type_path(pilot, target)
        assert isinstance(app.screen, CampaignScreen)  # the dialog closed when written
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM German Excel needs for umlauts
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    expected = reply_rows(world.db, "q1")
    assert [r["email"] for r in rows] == [r["email"] for r in expected] == ["ben@kiefer.example"]
    assert rows[0]["text"] == expected[0]["text"] and "short call next week" in rows[0]["text"]


async def test_export_prospects_as_plain_csv_neutralises_formulas(
    world: World, tmp_path: Path
) -> None:
    with world.db.begin() as conn:
        conn.execute(update(Prospect).where(Prospect.email == "anna@nordwind.example")
                     .values(company="=HYPERLINK(\"http://evil\")"))  # fmt: skip
    target = tmp_path / "prospects.csv"
    app = make_app(world)
    async with app.run_test(size=(160, 48)) as pilot:
        await go(pilot, "2", "w")  # from the Campaigns list: the highlighted one (q1)
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.campaign == "q1"
        await go(pilot, "enter", "down", "enter")  # What: replies → prospects
        assert screen.query_one("#export-kind", Select).value == "prospects"
        screen.query_one("#export-format", Select).focus()
        await go(pilot, "enter", "down", "enter")  # Format: Excel → CSV
        assert screen.query_one("#export-format", Select).value == "csv"
        await type_path(pilot, target)
    data = target.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert sorted(r["email"] for r in rows) == sorted(
        ["anna@nordwind.example", "ben@kiefer.example", "chris@kiefer.example",
         "dana@lumen.example", "emil@quarz.example", "nobody@quarz.example"])
    anna = next(r for r in rows if r["email"] == "anna@nordwind.example")
    assert anna["company"] == "'=HYPERLINK(\"http://evil\")"  # a spreadsheet shows it as text


async def test_an_unwritable_path_is_named_and_nothing_closes(world: World, tmp_path: Path) -> None:
    app = make_app(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(pilot, "2", "w")
        await type_path(pilot, tmp_path / "no-such-folder" / "x.csv")
        assert isinstance(app.screen, ExportScreen)
        error = app.screen.query_one("#field-path").error
        assert error is not None and "no-such-folder/x.csv: cannot write" in error
