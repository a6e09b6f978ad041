"""``outreach tasks`` and ``tasks done`` (English, German, --json) and ``campaign plan``
showing tasks and the branch each prospect takes today."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from outreach.cli import cli
from outreach.deliverability.webhook_config import WebhookConfig
from outreach.deliverability.webhooks import WebhookDispatcher
from outreach.store.models import utcnow
from tests.fixtures.webhooks import Receiver
from tests.test_deliverability_webhooks import FAST, SECRET
from tests.test_tasks_lifecycle import ANNA, events, send_due, tasks, world


def run(*args: str, code: int = 0) -> str:
    """Run the CLI (in English unless ``--lang`` is given: the language outlives a call)."""
    words = list(args) if "--lang" in args else ["--lang", "en", *args]
    result = CliRunner().invoke(cli, words)
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def test_due_tasks_are_listed_and_done_from_the_cli(outreach_home: Path, tmp_path: Path) -> None:
    db = world(tmp_path, call_wait="0s")
    assert as_json("tasks") == []  # the first email is not sent yet: no task
    assert "No tasks due." in run("tasks")
    [plan_task] = [r for r in as_json("campaign", "plan", "q1") if r["kind"] != "email"]
    assert (plan_task["kind"], plan_task["step"], plan_task["email"]) == ("call", 2, ANNA)
    send_due(db, 0, utcnow())

    [task] = as_json("tasks")  # due at once (wait 0s): opened by the command itself
    assert (task["kind"], task["step"], task["state"], task["email"]) == ("call", 2, "open", ANNA)
    assert (task["phone"], task["note"], task["name"]) == ("+49 30 555", "Anrufen: +49 30 555",
                                                           "Anna")  # fmt: skip
    assert task["mailbox"] == "rep@sales.test" and task["overdue"] is False
    listing = run("tasks")
    assert "Anrufen: +49 30 555" in listing and "1 task due" in listing
    german = run("--lang", "de", "tasks")
    assert "1 Aufgabe fällig" in german and "Anruf, Schritt 2" in german, german

    rows = as_json("campaign", "plan", "q1")  # the call is due; what follows depends on it
    assert [(r["step"], r["kind"]) for r in rows] == [(2, "call")]

    done = run("tasks", "done", str(task["id"]), "--outcome", "no_answer", "--note", "besetzt")
    assert f"Task {task['id']}: no answer." in done and "Next step due" in done
    [record] = as_json("tasks", "--all")
    assert (record["state"], record["outcome"], record["outcome_note"]) == (
        "done", "no_answer", "besetzt")
    [event] = events(db, "task_done")
    assert event.data["by"] == "cli"
    rows = as_json("campaign", "plan", "q1")
    [email] = [r for r in rows if r["step"] == 3]
    assert email["branch"] == "task: no_answer: holds today"
    assert "1 task (done by you)" in run("campaign", "plan", "q1")

    again = run("tasks", "done", str(task["id"]), "--outcome", "reached", code=2)
    assert f"task {task['id']} is already done" in again
    assert "no task 999" in run("tasks", "done", "999", "--outcome", "reached", code=3)
    assert "Invalid value for '--outcome'" in run("tasks", "done", "1", "--outcome", "maybe",
                                                   code=2)  # fmt: skip
    assert [t.state for t in tasks(db)] == ["done"]


def test_german_outcome_words(outreach_home: Path, tmp_path: Path) -> None:
    db = world(tmp_path, call_wait="0s")
    send_due(db, 0, utcnow())
    [task] = as_json("tasks")
    out = run("--lang", "de", "tasks", "done", str(task["id"]), "--outcome", "reached")
    assert f"Aufgabe {task['id']}: erreicht." in out


async def test_outcomes_reach_webhooks_exports_and_the_step_report(
    outreach_home: Path, tmp_path: Path, receiver: Receiver
) -> None:
    db = world(tmp_path, call_wait="0s")
    hook = WebhookConfig(url=receiver.url, events=["task_due", "task_done"],
                         secret_command=f"printf %s {SECRET}")  # fmt: skip
    dispatcher = WebhookDispatcher(db, [hook], FAST)
    assert await dispatcher.dispatch_once() == 0  # a new webhook starts from here
    send_due(db, 0, utcnow())
    [task] = as_json("tasks")
    run("tasks", "done", str(task["id"]), "--outcome", "no_answer", "--note", "Anrufbeantworter")

    [exported] = as_json("export", "tasks")
    assert (exported["kind"], exported["step"], exported["email"], exported["phone"]) == (
        "call", 2, ANNA, "+49 30 555")
    assert (exported["state"], exported["outcome"], exported["outcome_note"]) == (
        "done", "no_answer", "Anrufbeantworter")
    assert exported["done_at"] is not None
    csv_text = run("export", "tasks", "--csv")
    assert csv_text.splitlines()[0].startswith("id,campaign,step,kind,email,name,company,phone")
    [done_event] = [e for e in as_json("export", "events") if e["kind"] == "task_done"]
    assert done_event["data"]["outcome"] == "no_answer"

    report = as_json("report", "q1", "--by", "step")
    assert report["tasks"] == [{"group": "step 2", "kind": "call", "due": 1, "done": 1,
                                "reached": 0, "no_answer": 1, "skipped": 0, "cancelled": 0,
                                "open": 0}]  # fmt: skip
    assert "tasks by step" in run("report", "q1", "--by", "step")
    assert "tasks" not in as_json("report", "q1")  # only by step

    assert await dispatcher.dispatch_once() == 2
    due, done = receiver.bodies()
    assert (due["event"], done["event"]) == ("task_due", "task_done")
    assert done["prospect"]["email"] == ANNA and done["campaign"] == "q1"
    assert done["data"]["outcome"] == "no_answer"
    assert done["task"]["kind"] == "call" and done["task"]["outcome"] == "no_answer"
    assert done["task"]["outcome_note"] == "Anrufbeantworter" and done["task"]["step"] == 2
