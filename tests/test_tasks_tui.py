"""The TUI's Tasks screen (key 7) and the dashboard's task count, driven by Pilot, with
the screen's clock moved: the call appears when due with the prospect's phone, note and
timeline; a key records the outcome and the sequence goes on."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from outreach.store.models import utcnow
from outreach.tui.factory import build_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.tasks import TasksScreen, TaskTable
from tests.test_tasks_lifecycle import events, send_due, sends, tasks, world
from tests.test_tui_support import screen_text, settle, table_rows


def app_at(db: Any, clock: list[datetime]) -> Any:
    return build_app(db=db, engine_factory=None, refresh_seconds=0, now=lambda: clock[0],
                     tz=ZoneInfo("UTC"))  # fmt: skip


async def test_the_call_appears_when_due_and_a_key_records_the_outcome(
    outreach_home: Path, tmp_path: Path
) -> None:
    db = world(tmp_path)  # the call comes a day after the first email
    start = utcnow()
    send_due(db, 0, start)
    [call] = tasks(db)
    clock = [call.due_at - timedelta(minutes=1)]
    app = app_at(db, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "tasks" not in screen_text(app).split("Today")[1].splitlines()[1]
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TasksScreen)
        assert "No tasks due." in screen_text(app)  # a minute early: nothing yet

        clock[0] = call.due_at  # the clock moves to the call's due time
        screen.reload()
        await settle(pilot)
        [row] = table_rows(screen.query_one(TaskTable))
        assert row[1:4] == ["call", "Anna <anna@acme.test>", "+49 30 555"]
        text = screen_text(app)
        assert "1 task due" in text
        assert "Anrufen: +49 30 555" in text and "phone: +49 30 555" in text
        assert "Timeline" in text and "sent" in text  # the first email, on her timeline
        assert "m Reached" in text and "v No answer" in text and "k Skip" in text

        await pilot.press("v")
        await settle(pilot)
        await settle(pilot)
        assert "No tasks due." in screen_text(app)
        [done] = tasks(db)
        assert (done.state, done.outcome, done.done_by) == ("done", "no_answer", "tui")
        [event] = events(db, "task_done")
        assert event.data["by"] == "tui"
        assert [s.step_index for s in sends(db)] == [0, 2]  # the no-answer email queued


async def test_the_dashboard_counts_due_and_overdue_tasks(
    outreach_home: Path, tmp_path: Path
) -> None:
    db = world(tmp_path)
    send_due(db, 0, utcnow())
    [call] = tasks(db)
    clock = [call.due_at + timedelta(hours=1)]
    app = app_at(db, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "tasks 1 (7)" in screen_text(app)
        clock[0] = call.due_at + timedelta(days=1, hours=1)  # past midnight: overdue
        app.screen.reload()
        await settle(pilot)
        assert "tasks 1 (7) 1 overdue" in screen_text(app)
        await pilot.press("7")
        await settle(pilot)
        assert "1 task due, 1 overdue" in screen_text(app)
        [opened] = tasks(db)  # opened now: due_within (1 day) runs from here
        assert opened.state == "open" and opened.expires_at == clock[0] + timedelta(days=1)
        clock[0] = opened.expires_at
        app.screen.reload()
        await settle(pilot)
        assert "No tasks due." in screen_text(app)
        assert [t.state for t in tasks(db)] == ["expired"]
