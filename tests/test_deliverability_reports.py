"""Reports and exports cross-checked against a scripted campaign: the engine sends, the
sandbox's personas reply / bounce / opt out / go on holiday, the watcher applies it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session, func, select

from outreach.cli import cli
from outreach.sandbox import Sandbox
from outreach.services import inbox_watcher
from outreach.store import open_store
from outreach.store.models import Send
from outreach.views.reports import build_report
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.test_watcher_support import fast_watcher_config, run_both_until, states

PEOPLE = {  # address: (behaviour, the message it reacts to)
    "anna@a.example": ("reply", 1),
    "gina@g.example": ("reply", 2),
    "carl@c.example": ("silent", 1),
    "dora@d.example": ("unsubscribe", 1),
    "emil@e.example": ("auto_reply", 1),
    "fred@f.example": ("bounce", 1),
}
SETTLED = {"replied", "finished", "unsubscribed", "bounced", "paused"}


@pytest.fixture
async def campaign(sandbox: Sandbox, outreach_home: Path, tmp_path: Path) -> Any:
    for address, (behaviour, step) in PEOPLE.items():
        sandbox.persona(address, behaviour, on_step=step, language="en")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, list(PEOPLE))
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="3s", gap="0s",
                                           auto="pause"), [REP_ADDRESS])
    await run_both_until(db, lambda: {s for s, _ in states(db).values()} <= SETTLED,
                         what="every enrollment settled", engine_config=fast_config(),
                         watcher=inbox_watcher(db, fast_watcher_config()),
                         deadline=45)
    return db


def sent_in_db(db: Any, step: int | None = None) -> int:
    query = select(func.count()).select_from(Send).where(Send.state == "sent")
    if step is not None:
        query = query.where(Send.step_index == step)
    with Session(db) as session:
        return int(session.exec(query).one())


async def test_reports_and_exports_match_what_happened(campaign: Any) -> None:
    """One scripted run (it takes seconds), checked through the API and the CLI."""
    check_report_numbers(campaign)
    check_report_and_export_cli(campaign)


def check_report_numbers(db: Any) -> None:
    assert states(db)["gina@g.example"][0] == "replied"
    total = build_report(db, "c").total
    assert total.sent == sent_in_db(db) >= 9
    assert (total.replied, total.contacted) == (2, 6)
    assert total.reply_rate == round(2 / 6, 4)
    assert (total.bounced_hard, total.bounced_soft) == (1, 0)
    assert total.delivered == total.sent - 1
    assert (total.unsubscribed, total.auto_replies, total.in_progress) == (1, 1, 1)

    by_step = {row.group: row for row in build_report(db, "c", "step").rows}
    assert by_step["step 1"].sent == sent_in_db(db, 0) == 6
    assert (by_step["step 1"].replied, by_step["step 2"].replied) == (1, 1)
    assert by_step["step 1"].bounced_hard == 1 and by_step["step 1"].unsubscribed == 1
    assert by_step["step 2"].sent == sent_in_db(db, 1)
    assert by_step["step 2"].in_progress == 1  # emil, paused before his second message
    assert sum(row.sent for row in by_step.values()) == total.sent

    by_mailbox = build_report(db, "c", "mailbox").rows
    assert [(r.group, r.sent) for r in by_mailbox] == [(REP_ADDRESS, total.sent)]
    by_day = build_report(db, "c", "day").rows
    assert sum(r.sent for r in by_day) == total.sent
    assert sum(r.replied for r in by_day) == 2


def check_report_and_export_cli(campaign: Any) -> None:
    runner = CliRunner()
    as_json = json.loads(runner.invoke(cli, ["report", "c", "--json", "--by", "variant"]).output)
    assert as_json["total"]["replied"] == 2 and as_json["rows"][0]["group"] == "step 1 A"
    assert as_json["rows"][0]["subject"] == "Hello {{ company }}"  # the variant, by its words
    as_csv = runner.invoke(cli, ["report", "--csv"]).output
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [r["group"] for r in rows] == ["c", "total"] and rows[1]["replied"] == "2"
    table = runner.invoke(cli, ["report", "c"])
    assert table.exit_code == 0 and "33.3%" in table.output, table.output

    replies = json.loads(runner.invoke(cli, ["export", "replies", "--json"]).output)
    assert {r["email"] for r in replies} == {"anna@a.example", "gina@g.example"}
    assert all(r["text"] and r["campaign"] == "c" for r in replies)
    prospects = list(csv.DictReader(io.StringIO(
        runner.invoke(cli, ["export", "prospects", "--csv"]).output)))
    by_email = {p["email"]: p for p in prospects}
    assert by_email["fred@f.example"]["campaigns"] == "c:bounced"
    assert by_email["fred@f.example"]["suppressed"] == "True"
    events = json.loads(runner.invoke(cli, ["export", "events", "--json", "--campaign", "c"]).output)
    kinds = [e["kind"] for e in events]
    assert kinds.count("sent") == sent_in_db(campaign) and "reply" in kinds
