"""Pilot tests: every view and its actions, on the fixed world (no sleeps: workers are
awaited, conditions polled with a deadline)."""

from __future__ import annotations

import fcntl
import stat
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select
from textual.command import CommandList, CommandPalette
from textual.widgets import Checkbox, DataTable, Input, OptionList, Select

from outreach.prospects.suppression import is_suppressed
from outreach.store.models import (
    Campaign,
    EngineInstance,
    Enrollment,
    InboundMessage,
    Mailbox,
    Prospect,
)
from outreach.tui.engine_host import default_engine_factory
from outreach.tui.screens.campaign import CampaignScreen
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.help import HelpScreen
from outreach.tui.screens.inbox import InboxScreen
from outreach.tui.screens.pickers import ChoiceScreen
from outreach.tui.screens.prospects import ProspectsScreen
from outreach.tui.screens.sequences import SequencesScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.screens.timeline import TimelineScreen
from outreach.tui.widgets.paged_table import PagedTable
from tests.test_tui_support import (
    NOW,
    World,
    make_app,
    screen_text,
    settle,
    table_rows,
    until,
)

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

SIZE = (160, 48)


def state_of(world: World, email: str, campaign: str = "q1") -> str:
    with Session(world.db) as session:
        return session.exec(
            select(Enrollment.state)
            .join(Prospect)
            .join(Campaign)
            .where(Prospect.email == email, Campaign.name == campaign)
        ).one()


def campaign_state(world: World, name: str) -> str:
    with Session(world.db) as session:
        return session.exec(select(Campaign.state).where(Campaign.name == name)).one()


# -- dashboard ------------------------------------------------------------------------


async def test_dashboard_shows_today_queue_replies_and_counts(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.screen.loads >= 1
        boxes = table_rows(app.screen.query_one("#mailboxes", DataTable))
        assert boxes[0][:3] == ["lena@sales.example", "0 / 25 ramping", "in 23h 30m"]
        assert boxes[1][0] == "tom@sales.example" and "535 5.7.8" in boxes[1][3]
        queue = table_rows(app.screen.query_one("#queue", DataTable))
        assert [row[2:4] for row in queue] == [["anna@nordwind.example", "2"]]
        replies = table_rows(app.screen.query_one("#attention", DataTable))
        assert [row[1] for row in replies] == ["ben@kiefer.example"]
        text = screen_text(app)
        assert "engine stopped" in text and "to read 1" in text
        assert "bounced 0 / 1" in text and "unsubscribed 0 / 1" in text
        app.screen.query_one("#attention", DataTable).focus()
        await pilot.press("enter")  # the reply to read opens in the Inbox
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        current = app.screen.current()
        assert current is not None and current.from_addr == "ben@kiefer.example"
        assert "short call next week" in screen_text(app)


def hold_engine_lock(world: World) -> IO[str]:
    """Take the SQLite engine lock as a running daemon holds it."""
    lock = open(f"{world.db.url.database}.engine.lock", "a+")  # noqa: SIM115 - held open
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return lock


async def test_an_engine_elsewhere_is_shown_and_a_second_one_refused(world: World) -> None:
    """A daemon holds the database (its heartbeat and the SQLite engine lock): the dashboard
    says so, and starting the engine here fails with the holder named, nothing crashes."""
    with world.db.begin() as conn:
        conn.execute(insert(EngineInstance).values(
            id="other", host="vps-1", pid=4242, kind="daemon", started_at=NOW, heartbeat_at=NOW))  # fmt: skip
    lock = hold_engine_lock(world)
    app = make_app(world, engine_factory=default_engine_factory)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "engine running elsewhere" in screen_text(app)
            assert "daemon on vps-1 (pid 4242)" in screen_text(app)
            app.action_run_engine()
            await until(pilot, lambda: "already running" in screen_text(app), what="“already running”")
            assert not app.engine.running
            await app.action_quit()  # quitting after the failure is clean
    finally:
        lock.close()


class FakeEngine:
    """An engine that only reports one send (the real one is tested with the sandbox)."""

    def __init__(self, on_event: object) -> None:
        import asyncio

        self.on_event = on_event
        self.stopped = asyncio.Event()
        self.nudged = 0

    async def run(self) -> None:
        self.on_event("sent", {"to": "anna@nordwind.example", "step": 1, "mailbox": "lena@sales.example"})  # type: ignore[operator]
        await self.stopped.wait()

    def stop(self) -> None:
        self.stopped.set()

    def refresh(self) -> None:
        self.nudged += 1


async def test_run_and_stop_the_engine_here(world: World) -> None:
    engines: list[FakeEngine] = []

    def factory(_db: object, on_event: object) -> FakeEngine:
        engines.append(FakeEngine(on_event))
        return engines[-1]

    app = make_app(world, engine_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "^e: run it here" in screen_text(app)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "engine running here" in screen_text(app), what="“engine running here”")
        assert len(engines) == 1 and app.engine.running
        await pilot.press("ctrl+e")
        await until(pilot, lambda: not app.engine.running and "engine stopped" in screen_text(app),
                    what="the engine stopped")


# -- campaigns ------------------------------------------------------------------------


async def test_campaign_funnels_pause_resume_and_start(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        rows = table_rows(app.screen.query_one("#campaign-list", DataTable))
        assert [r[:2] for r in rows] == [["q1", "active"], ["draft-later", "draft"]]
        funnel = table_rows(app.screen.query_one("#funnel", DataTable))
        assert [r[0] for r in funnel] == ["step 1", "step 1 A", "step 1 B", "step 2"]
        assert rows[0][5] == "1 / 6 16.7%"  # replied / contacted
        assert funnel[1][1:3] == ["3", "1 / 3 33.3%"]  # sent, replied / contacted
        assert [funnel[2][3], funnel[2][5]] == ["1 / 3 33.3%", "1 / 3 33.3%"]  # opt-outs, bounced
        assert funnel[3][6] == "2"  # anna and dana wait for step 2
        await pilot.press("p")
        await settle(pilot)
        assert campaign_state(world, "q1") == "paused"
        await pilot.press("r")
        await settle(pilot)
        assert campaign_state(world, "q1") == "active"
        await pilot.press("s")  # q1 is active: nothing to start
        await settle(pilot)
        assert not isinstance(app.screen, StartCampaignScreen)
        await pilot.press("down", "s")
        await settle(pilot)
        assert isinstance(app.screen, StartCampaignScreen)
        app.screen.query_one(Checkbox).value = False  # no DNS here (see test_tui_journey.py)
        await pilot.press("y")
        await settle(pilot)
        assert campaign_state(world, "draft-later") == "active"
        assert "2 first emails queued" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert [r[:2] for r in table_rows(app.screen.query_one("#campaign-list", DataTable))][1] == [
            "draft-later", "active"]


async def test_open_a_campaign_filter_its_enrollments_and_see_the_plan(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CampaignScreen)
        assert len(table_rows(screen.query_one(PagedTable))) == 6
        screen.query_one(Select).value = "replied"
        await settle(pilot)
        assert [r[0] for r in table_rows(screen.query_one(PagedTable))] == ["ben@kiefer.example"]
        plan = table_rows(screen.query_one("#plan-table", DataTable))
        assert [(r[3], r[4]) for r in plan] == [("anna@nordwind.example", "2"), ("anna@nordwind.example", "3")]
        await pilot.press("escape")
        assert not isinstance(app.screen, CampaignScreen)


# -- prospects ------------------------------------------------------------------------


def add_many_prospects(world: World, count: int) -> None:
    rows = [
        {"email": f"p{n:04d}@bulk.example", "domain": "bulk.example", "first_name": f"P{n}",
         "company": "Bulk", "fields": {}, "created_at": NOW, "updated_at": NOW}
        for n in range(count)
    ]  # fmt: skip
    with world.db.begin() as conn:
        conn.execute(insert(Prospect), rows)


async def test_search_sort_and_page_through_prospects(world: World) -> None:
    add_many_prospects(world, 250)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProspectsScreen)
        table = screen.query_one(PagedTable)
        assert table.row_count == 100 and "1–100 of 258 prospects" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert "101–200 of 258" in screen_text(app)
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("down")  # past the last row: the next page
        await settle(pilot)
        assert "201–258 of 258" in screen_text(app) and table.cursor_row == 0
        await pilot.press("slash")
        await pilot.press(*"kief", "enter")
        await settle(pilot)
        assert [r[0] for r in table_rows(table)] == ["ben@kiefer.example", "chris@kiefer.example"]
        assert "1–2 of 2 prospects" in screen_text(app)
        await pilot.press("down", "o", "o")  # to the rows; email → name → company
        await settle(pilot)
        assert screen.query_state.sort == "company"
        await pilot.press("d")
        await settle(pilot)
        assert screen.query_state.descending


async def test_prospect_timeline_suppress_unsuppress_and_add_to_campaign(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("enter")  # anna
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert "step 1 sent" in screen_text(app) and "step 2 queued" in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        with Session(world.db) as session:
            assert is_suppressed(session, "anna@nordwind.example") is not None
        assert state_of(world, "anna@nordwind.example") == "stopped"
        assert "suppressed: by hand" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        with Session(world.db) as session:
            assert is_suppressed(session, "anna@nordwind.example") is None
        await pilot.press("escape")
        table = app.screen.query_one(PagedTable)
        table.move_cursor(row=5)  # gert, tagged "later": in no campaign
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["draft-later", "q1"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert state_of(world, "gert@orbit.example") == "active"
        assert "first email queued" in app.commands.done[-1]


# -- inbox ----------------------------------------------------------------------------


async def test_inbox_filters_and_shows_the_reply_text(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        # the reply still to answer first, then newest first
        assert [r[1] for r in table_rows(table)] == ["reply", "bounce", "unsubscribe", "auto-reply"]
        await pilot.press("f")  # all → replies
        await settle(pilot)
        assert [r[4] for r in table_rows(table)] == ["ben@kiefer.example"]  # the "from" column
        text = screen_text(app)
        assert "Could we have a short call next week?" in text
        assert "chris@kiefer.example stopped (a colleague at the same" in text
        await pilot.press("i")  # ben's reply: interested
        await settle(pilot)
        with Session(world.db) as session:
            ben = session.exec(select(InboundMessage).where(InboundMessage.kind == "reply")).one()
        assert ben.interest == "interested"
        assert "★ interested" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        assert "to read 0" in screen_text(app)


async def test_reclassify_an_auto_reply_as_a_reply(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        table.move_cursor(row=3)  # dana's out-of-office (the reply to answer comes first)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # first choice: reply
        await settle(pilot)
        assert state_of(world, "dana@lumen.example") == "replied"
        rows = table_rows(table)  # now a reply to answer too: it moves up among them
        assert [r[1] for r in rows].count("reply ✎") == 1
        assert "by hand (classifier said auto-reply)" in screen_text(app)


# -- sequences ------------------------------------------------------------------------


async def test_sequences_show_findings_inline_and_a_preview(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        text = screen_text(app)
        assert "✗ broken.yaml: 1 problem" in text
        assert "7 │   - wait: 3 bizdays" in text and "╰─ ✗ line 7: steps[1].wait" in text
        await pilot.press("down")  # q1.yaml
        await settle(pilot)
        assert "✓ q1.yaml: “Q1 founders”, 3 steps" in screen_text(app)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.query_one("#preview-prospect", Input).value == "anna@nordwind.example"
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "step 1 · variant B" in text and "step 2" in text and "step 3" in text
        assert "Subject: Quick question, Anna" in text and "Re: Quick question, Anna" in text


async def test_sequences_show_the_merge_field_problems_of_sequence_check(world: World) -> None:
    (world.sequences / "a-typos.yaml").write_text(
        'name: Typos\nsteps:\n  - subject: "Frage an {{ Firma }}"\n    body: |\n'
        "      Hallo,\n\n      wie läuft es bei {{ compnay }}?\n")
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        text = screen_text(app)
        assert "✗ a-typos.yaml: 2 problems" in text
        assert "7 │       wie läuft es bei {{ compnay }}?" in text
        assert "╰─ ✗ line 7: steps[0].body: unknown merge field `compnay` → did you mean" in text
        assert "╰─ ✗ line 3: steps[0].subject: unknown merge field `Firma` → did you mean" in text


async def test_edit_in_editor_then_validate_again(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "fix-editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/3 bizdays/3 business days/; s/frist_name/first_name/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    broken = world.sequences / "broken.yaml"
    before = broken.read_text()
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, SequencesScreen) and "✗ broken.yaml" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert "✓ broken.yaml: “Broken”, 2 steps" in screen_text(app)
    # the editor named by $EDITOR ran on the file: its two fixes, nothing else
    fixed = before.replace("3 bizdays", "3 business days").replace("frist_name", "first_name")
    assert fixed != before and broken.read_text() == fixed


# -- mailboxes (form and connection test against the sandbox: test_tui_mailboxes.py) ----


async def test_pause_and_resume_a_mailbox(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        rows = table_rows(app.screen.query_one(DataTable))
        assert rows[0][6] == "day 4 of 10+5/day: 25 today, 40 at full speed"
        await pilot.press("p")
        await settle(pilot)
        with Session(world.db) as session:
            lena = session.exec(select(Mailbox).where(Mailbox.email == "lena@sales.example")).one()
        assert lena.paused
        assert table_rows(app.screen.query_one(DataTable))[0][7] == "paused: paused by hand in the TUI"
        await pilot.press("r")
        await settle(pilot)
        with Session(world.db) as session:
            assert not session.exec(select(Mailbox.paused).where(Mailbox.email == "lena@sales.example")).one()


# -- palette, help, theme -------------------------------------------------------------


async def test_command_palette_runs_entity_actions(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for query in ("Campaign q1: pause", "Go to Inbox"):
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)
            app.screen.query_one(Input).value = query
            await until(pilot, lambda: app.screen.query_one(CommandList).option_count,
                        what=f"commands matching {query!r}")
            await pilot.press("enter")
            await settle(pilot)
        assert campaign_state(world, "q1") == "paused"
        assert isinstance(app.screen, InboxScreen)


async def test_help_screen_and_theme_switch(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Re-classify" in app.screen.text and "Test connection" in app.screen.text
        await pilot.press("escape")
        assert app.theme == "outreach-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "outreach-light" and not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.theme == "outreach-dark"
