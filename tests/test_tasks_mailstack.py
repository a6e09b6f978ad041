"""Task steps and branches on the real Postfix + Dovecot stack, with the clock moved.

The shipped German example (email → call → email ``when: {task: no_answer}`` → LinkedIn),
its schedule opened to every hour and the call and the email after it due at once, runs
with the engine and the watcher: three calls fall due after the first emails; a reply
cancels the replier's call; "no answer" sends the next email (delivered to the inbox),
"reached" skips it (an event, nothing sent); the LinkedIn tasks appear when the clock
reaches their due time (not a second before), on the TUI's Tasks screen too (Pilot), where
a key records one as reached; the other, not done in time, expires.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.lifecycle.tasks import settle_tasks
from outreach.services import inbox_watcher
from outreach.store import open_store, session_scope
from outreach.tui.factory import build_app
from outreach.tui.screens.tasks import TasksScreen, TaskTable
from tests.fixtures.campaigns import add_mailbox, fast_config
from tests.fixtures.mailstack import MailStack
from tests.test_tasks_lifecycle import events, tasks
from tests.test_tui_support import settle, table_rows
from tests.test_watcher_mailstack import first_message_id, new_rep, submit
from tests.test_watcher_support import (
    Services,
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    reply_to,
    sends_to,
    states,
)

pytestmark = pytest.mark.mailstack

ROOT = Path(__file__).resolve().parent.parent
ALICE, BOB, CAROL = "alice@prospects.test", "bob@prospects.test", "carol@prospects.test"
INTERESTED = "Sehr gerne, passt Ihnen Dienstag um 10 Uhr für einen Anruf?"


def german_example(tmp_path: Path) -> Path:
    """The shipped example, sending at any hour (UTC), the call and the email after it due
    at once, no company stop (the three share a domain)."""
    text = (ROOT / "sequences" / "example-de-tasks.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("days: [mo, di, mi, do, fr]", "days: [mo, di, mi, do, fr, sa, so]"),
        ('hours: "08:30-17:00"', 'hours: "00:00-24:00"'), ('  lunch: "12:00-13:30"\n', ""),
        ("timezone: Europe/Berlin", "timezone: UTC"), ("gap: 2m-8m", "gap: 0s"),
        ("per_domain_hourly: 3", "per_domain_hourly: 100"),
        ("on_company_reply: true", "on_company_reply: false"),
        ("  - wait: 2 Werktage\n    task: call", "  - wait: 0s\n    task: call"),
        ("  - wait: 1 Werktag\n    when:", "  - wait: 0s\n    when:"),
    ):  # fmt: skip
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "anruf.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def cli_run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--lang", "en", *args])
    assert result.exit_code == 0, result.output
    return result.output


def open_tasks() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(cli_run("tasks", "--json"))
    return rows


def started(mailstack: MailStack, tmp_path: Path) -> tuple[Engine, str]:
    rep, password = new_rep(mailstack)
    db = open_store()
    add_mailbox(db, rep, password, mailstack.host, mailstack.smtp_port, mailstack.imaps_port,
                security="starttls", insecure=True)  # fmt: skip
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "email;first_name;last_name;company;telefon\n"
        f"{ALICE};Alice;Adler;Adler GmbH;+49 30 111\n"
        f"{BOB};Bob;Berg;Berg AG;+49 30 222\n{CAROL};Carol;Wolf;Wolf KG;\n", encoding="utf-8")
    cli_run("prospects", "import", str(leads), "--tag", "t")
    cli_run("campaign", "create", "c", "--sequence", str(german_example(tmp_path)),
            "--mailbox", rep, "--tag", "t")  # fmt: skip
    cli_run("campaign", "start", "c", "--no-verify")
    return db, rep


async def test_the_german_example_with_calls_branches_and_linkedin(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = started(mailstack, tmp_path)
    watcher = inbox_watcher(db, fast_watcher_config())
    async with Services(db, fast_config(), watcher) as services:
        await services.until(lambda: len(open_tasks()) == 3, 60,
                             what="three calls due after the first emails")  # fmt: skip
        calls = {row["email"]: row for row in open_tasks()}
        assert {r["kind"] for r in calls.values()} == {"call"}
        assert calls[ALICE]["phone"] == "+49 30 111"
        assert calls[ALICE]["note"].startswith("Anrufen: Alice Adler, Adler GmbH\n"
                                               "Telefon: +49 30 111")  # fmt: skip
        assert "Telefon: keine Nummer – bitte recherchieren" in calls[CAROL]["note"]

        await submit(mailstack, reply_to(CAROL, rep, in_reply_to=first_message_id(db, CAROL),
                                         text=INTERESTED))
        await services.until(lambda: (events(db, "task_cancelled"), states(db), inbound_rows(db)),
                             60, what="the reply cancelling Carol's call",
                             ok=lambda found: found[0])  # fmt: skip
        assert states(db)[CAROL][0] == "replied"
        assert {row["email"] for row in open_tasks()} == {ALICE, BOB}

        cli_run("tasks", "done", str(calls[ALICE]["id"]), "--outcome", "no_answer",
                "--note", "Mailbox")  # fmt: skip
        cli_run("tasks", "done", str(calls[BOB]["id"]), "--outcome", "reached")
        await services.until(lambda: len(sends_to(db, ALICE)) == 2 and events(db, "step_skipped"),
                             60, what="Alice's second email sent, Bob's skipped")  # fmt: skip

    [_, second] = sends_to(db, ALICE)
    assert second.step_index == 2 and second.subject == "Re: Kurze Frage zu Adler GmbH"
    [delivered] = mailstack.wait_for_messages(
        ALICE, 1, match=lambda m: m["Message-ID"] == second.message_id)
    assert delivered["In-Reply-To"] == first_message_id(db, ALICE)
    [skipped_send] = sends_to(db, BOB, "cancelled")
    assert skipped_send.step_index == 2 and skipped_send.sent_at is None
    assert skipped_send.error == "skipped: when task: no_answer did not hold"
    [skipped] = events(db, "step_skipped")
    assert (skipped.data["step"], skipped.data["condition"]) == (2, "task: no_answer")
    assert len(sends_to(db, BOB)) == 1  # only the first email went to Bob
    [cancelled] = [t for t in tasks(db) if t.state == "cancelled"]
    assert cancelled.prospect_id == enrollment_of(db, CAROL).prospect_id

    linkedin = {t.prospect_id: t for t in tasks(db) if t.kind == "linkedin"}
    alice_li = linkedin[enrollment_of(db, ALICE).prospect_id]
    bob_li = linkedin[enrollment_of(db, BOB).prospect_id]
    for task in (alice_li, bob_li):  # three business days on: the clock moves there
        assert task.state == "scheduled" and task.due_at - task.created_at >= timedelta(days=3)
    assert "LinkedIn: Profil von Alice Adler (Adler GmbH)" in alice_li.note
    with session_scope(db) as session:
        assert settle_tasks(session.connection(), alice_li.due_at - timedelta(seconds=1)).opened == 0
    assert open_tasks() == []
    latest = max(alice_li.due_at, bob_li.due_at)
    with session_scope(db) as session:
        assert settle_tasks(session.connection(), latest).opened == 2
    assert {(r["email"], r["kind"]) for r in open_tasks()} == {(ALICE, "linkedin"),
                                                               (BOB, "linkedin")}  # fmt: skip
    app = build_app(db=db, engine_factory=None, refresh_seconds=0,
                    now=lambda: latest + timedelta(hours=1), tz=ZoneInfo("UTC"))  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:  # the rep's Tasks screen, key 7
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        shown = table_rows(app.screen.query_one(TaskTable))
        assert sorted(row[2] for row in shown) == [f"Alice Adler <{ALICE}>", f"Bob Berg <{BOB}>"]
        assert {row[1] for row in shown} == {"LinkedIn"}
        first = ALICE if ALICE in shown[0][2] else BOB
        await pilot.press("m")  # reached: the highlighted (first) task
        await settle(pilot)
        await settle(pilot)
        assert [row[2] for row in table_rows(app.screen.query_one(TaskTable))] == [
            shown[1][2]]
    other = BOB if first == ALICE else ALICE
    reached = linkedin[enrollment_of(db, first).prospect_id]
    [reached_now] = [t for t in tasks(db) if t.id == reached.id]
    assert (reached_now.outcome, reached_now.done_by) == ("reached", "tui")
    left = linkedin[enrollment_of(db, other).prospect_id]
    [left_open] = [t for t in tasks(db) if t.id == left.id]
    assert left_open.expires_at is not None
    with session_scope(db) as session:
        assert settle_tasks(session.connection(), left_open.expires_at).expired == 1
    [expired] = events(db, "task_expired")
    assert expired.data["task"] == left.id
    assert states(db)[ALICE][0] == states(db)[BOB][0] == "finished"
    assert states(db)[CAROL][0] == "replied"
