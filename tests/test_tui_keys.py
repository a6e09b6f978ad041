"""Pilot tests of issue #20's TUI points: the first field focused in every form, Esc
leaving fields, one meaning per key, only actions that apply, the Plan tab by key,
sequence files of the current folder, and column priorities at 100×30 and 160×48."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Select, TabbedContent

from outreach.campaigns import service
from outreach.tui.app import VIEWS
from outreach.tui.screens.campaign import CampaignScreen
from outreach.tui.screens.campaigns import CampaignsScreen
from outreach.tui.screens.export import ExportScreen
from outreach.tui.screens.help import HelpScreen
from outreach.tui.screens.import_prospects import ImportScreen
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.new_campaign import NewCampaignScreen
from outreach.tui.screens.sequences import SequencesScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.screens.timeline import TimelineScreen
from outreach.tui.widgets.fit import Col, fit
from outreach.tui.widgets.keybar import KeyBar
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.names import palette_names
from tests.test_tui_support import World, make_app, screen_text, settle

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

SMALL, LARGE = (100, 30), (160, 48)


async def go(pilot: Any, *keys: str) -> None:
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def keybar(app: Any) -> str:
    return str(app.screen.query_one(KeyBar).render())


# -- the first field of every form has the focus ----------------------------------------


@pytest.mark.parametrize(
    ("keys", "screen", "focused"),
    [
        (("6", "a"), MailboxFormScreen, "email"),
        (("6", "e"), MailboxFormScreen, "display_name"),  # the address cannot change
        (("2", "a"), NewCampaignScreen, "new-name"),
        (("2", "w"), ExportScreen, "export-kind"),
        (("2", "down", "s"), StartCampaignScreen, "start"),
        (("3", "i"), ImportScreen, "import-files"),
    ],
    ids=["mailbox-add", "mailbox-edit", "new-campaign", "export", "start", "import"],
)
async def test_the_first_field_has_the_focus(
    world: World, keys: tuple[str, ...], screen: type, focused: str
) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, *keys)
        assert isinstance(app.screen, screen)
        assert app.focused is not None and app.focused.id == focused
        if isinstance(app.focused, Input):  # typing lands in it at once
            await pilot.press(*"ab")
            assert app.focused.value.endswith("ab")


# -- Esc leaves a field first, then goes back ---------------------------------------------


async def test_escape_leaves_the_sequence_preview_field(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "5", "v")
        assert isinstance(app.focused, Input) and app.focused.id == "preview-prospect"
        await go(pilot, "escape")
        assert isinstance(app.screen, SequencesScreen) and isinstance(app.focused, OptionList)
        await go(pilot, "down")  # the keys work on the list again
        assert app.screen.path is not None and app.screen.path.name == "q1.yaml"


async def test_escape_leaves_the_filter_then_the_campaign(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "2", "enter", "f")
        assert isinstance(app.screen, CampaignScreen) and isinstance(app.focused, Select)
        await go(pilot, "escape")
        assert isinstance(app.screen, CampaignScreen) and isinstance(app.focused, PagedTable)
        await go(pilot, "escape")
        assert isinstance(app.screen, CampaignsScreen)


async def test_escape_leaves_the_prospect_search(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "3", "slash")
        assert isinstance(app.focused, Input)
        await go(pilot, "escape")
        assert isinstance(app.focused, PagedTable)


# -- one key, one meaning; documented in the help ----------------------------------------

SCHEME = {
    "a": {"add", "create", "add_to_campaign"},
    "s": {"start"},
    "p": {"pause"},
    "r": {"resume"},
    "e": {"edit"},
    "l": {"plan", "show_plan"},
    "w": {"export"},
}


def bindings_by_key() -> dict[str, set[str]]:
    screens = [screen for _, _, screen in VIEWS] + [CampaignScreen, TimelineScreen]
    found: dict[str, set[str]] = {}
    for screen in screens:
        for binding in screen.BINDINGS:
            for key in binding.key.split(","):  # type: ignore[union-attr]
                found.setdefault(key, set()).add(binding.action)  # type: ignore[union-attr]
    return found


def test_each_key_of_the_scheme_means_one_thing_on_every_screen() -> None:
    found = bindings_by_key()
    for key, actions in SCHEME.items():
        assert found[key] <= actions, f"{key!r} means {found[key]} across screens"
    assert "run_engine" not in {a for acts in found.values() for a in acts}  # ^e, everywhere


async def test_the_help_documents_the_scheme(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=LARGE) as pilot:
        await go(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
        assert "One key, one meaning" in text and "| `^e` | run or stop the engine here |" in text
        for key in SCHEME:
            assert f"| `{key}` |" in text or f"`{key}` /" in text
        assert "## A campaign (Enter on Campaigns)" in text and "| `l` | Plan |" in text


async def test_ctrl_e_runs_and_stops_the_engine_from_any_view(world: World) -> None:
    from tests.test_tui_screens import FakeEngine

    app = make_app(world, engine_factory=lambda _db, on_event: FakeEngine(on_event))
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "2", "ctrl+e")
        assert app.engine.running
        await go(pilot, "6", "ctrl+e")
        assert not app.engine.running


# -- only actions that can apply -----------------------------------------------------------


async def test_campaign_verbs_only_where_they_apply(world: World) -> None:
    service.set_state(world.db, "draft-later", "archived")
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "2")
        bar = keybar(app)  # q1 is active
        assert " p Pause" in bar and " s Start" not in bar and " r Resume" not in bar
        await go(pilot, "down")  # draft-later: archived
        bar = keybar(app)
        assert " s Start" not in bar and " p Pause" not in bar and " r Resume" not in bar
        await go(pilot, "s", "p", "r")
        assert isinstance(app.screen, CampaignsScreen)  # no "Start campaign?" for it
        assert app.commands.done == []


async def test_mailbox_verbs_only_where_they_apply(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "6")
        assert " p Pause" in keybar(app) and " r Resume" not in keybar(app)  # lena: active
        await go(pilot, "down")  # tom: paused
        assert " r Resume" in keybar(app) and " p Pause" not in keybar(app)


async def test_the_plan_tab_by_key(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "2", "enter", "l")
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "plan" and "sends in the next 14 days" in screen_text(app)
        await go(pilot, "f")
        assert tabs.active == "enrollments"


async def test_sequences_lists_the_yaml_files_of_the_current_folder(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "work"
    here.mkdir()
    (here / "lena.yaml").write_text(world.sequence.read_text())
    (here / "notes.txt").write_text("not a sequence")
    monkeypatch.chdir(here)
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot, "5")
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["./lena.yaml", "broken.yaml", "q1.yaml"]
    names = palette_names(world.db, world.sequences).sequences  # the palette offers it too
    assert [p.name for p in names] == ["lena.yaml", "broken.yaml", "q1.yaml"]


# -- column priorities ---------------------------------------------------------------------


def test_fit_drops_the_least_important_and_grows_the_most_important() -> None:
    cols = [Col("a", 4, 10, keep=9), Col("b", 6, 30, keep=2), Col("c", 8, 20, keep=7)]
    natural = [10, 30, 20]
    assert [(f.col.label, f.width) for f in fit(cols, natural, 200, 2)] == [
        ("a", 10), ("b", 30), ("c", 20)]  # room for all: nothing cut
    assert [(f.col.label, f.width) for f in fit(cols, natural, 24, 2)] == [
        ("a", 10), ("c", 10)]  # b (optional) goes first; a grows before c
    assert [f.col.label for f in fit(cols, natural, 5, 2)] == ["a"]  # the most important stays


async def test_at_100x30_what_matters_stays(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SMALL) as pilot:
        await go(pilot)
        assert {"from", "subject"} <= set(app.screen.query_one("#attention").shown_labels())
        assert {"today", "state"} <= set(app.screen.query_one("#mailboxes").shown_labels())
        assert {"to", "step", "campaign"} <= set(app.screen.query_one("#queue").shown_labels())
        assert "? Help" in keybar(app) and "1–6 views" in keybar(app)  # the footer whole
        await go(pilot, "2")
        assert {"state", "replied / contacted"} <= set(
            app.screen.query_one("#campaign-list").shown_labels())
        await go(pilot, "4")
        assert "Re: Kiefer and cold email" in screen_text(app)  # a subject, not "Re"
        await go(pilot, "6")
        shown = app.screen.query_one("#mailbox-table").shown_labels()
        assert {"mailbox", "today", "ramp-up", "state"} <= set(shown)


async def test_at_160x48_nothing_is_cut_that_fits(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=LARGE) as pilot:
        await go(pilot)
        text = screen_text(app)
        assert "Re: Kiefer and cold email" in text and "paused: 535 5.7.8 authentication failed" in text
        await go(pilot, "2")
        assert "lena@sales.example" in screen_text(app)  # the mailboxes column
        await go(pilot, "6")
        text = screen_text(app)
        assert "day 4 of 10+5/day: 25 today, 40 at full speed" in text
        assert "…" not in text.split("╰")[0].replace("127.0.0.1:114…", "")
