"""One campaign's numbers as every surface shows them — TUI campaign list and funnel, the
dashboard, ``outreach report`` and ``outreach status`` — side by side, and equal.

The fixed world's campaign q1 (an A/B first step to six people: Ben replies, Emil opts out,
Dana's out-of-office pauses her, Frieda's address bounces) gets a second step to Anna, sent
this morning from Lena's ramping mailbox; Anna then answers the *first* email. Her reply
counts at step 2: the last step of her thread sent before it arrived.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.store.models import Enrollment, InboundMessage, Prospect, Send
from outreach.tui.widgets.funnel import funnel_cells, reply_rate
from outreach.views.campaigns import campaign_summaries
from outreach.views.mailboxes import mailbox_rows
from outreach.views.numbers import Numbers
from outreach.views.reports import build_report
from outreach.views.status import mailbox_health
from outreach.views.today import load_dashboard
from tests.test_tui_support import NOW, REP, World

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

UTC = ZoneInfo("UTC")
FIELDS = ("sent", "contacted", "replied", "bounced_hard", "bounced_soft", "unsubscribed",
          "auto_replies", "in_progress")  # fmt: skip


def anna_gets_step_2_and_answers_step_1(world: World) -> None:
    with Session(world.db) as session:
        anna = session.exec(
            select(Enrollment).join(Prospect).where(Prospect.email == "anna@nordwind.example")
        ).one()
        first, second = session.exec(
            select(Send).where(Send.enrollment_id == anna.id).order_by(Send.step_index)
        ).all()
        second.state, second.sent_at, second.smtp_code = "sent", NOW - timedelta(minutes=30), 250
        anna.state, anna.reason, anna.steps_sent, anna.next_step = "replied", "reply", 2, 2
        session.add(InboundMessage(
            mailbox_id=1, folder="INBOX", uidvalidity=1, uid=99, message_id="<anna@example>",
            from_addr="anna@nordwind.example", subject="Re: Nordwind and cold email",
            received_at=NOW - timedelta(minutes=10), created_at=NOW - timedelta(minutes=9),
            kind="reply", details={"in_reply_to": first.message_id}, enrollment_id=anna.id,
        ))  # fmt: skip
        session.add_all([second, anna])
        session.commit()


def values(numbers: Numbers | Any) -> tuple[Any, ...]:
    return tuple(getattr(numbers, name) for name in FIELDS)


def test_every_surface_shows_the_same_numbers(world: World) -> None:
    anna_gets_step_2_and_answers_step_1(world)

    # the TUI's campaign list and funnel
    q1 = next(c for c in campaign_summaries(world.db) if c.name == "q1")
    funnel = {row.label: row.numbers for row in q1.funnel}
    # outreach report (the API and the CLI's JSON)
    report = build_report(world.db, "q1")
    by_step = {r.group: r for r in build_report(world.db, "q1", "step").rows}
    by_variant = {r.group: r for r in build_report(world.db, "q1", "variant").rows}
    cli_json = json.loads(CliRunner().invoke(cli, ["report", "q1", "--json"]).stdout)
    # the dashboard (q1 is the only campaign that sent anything) and `status`
    board = load_dashboard(world.db, NOW, UTC)
    everything = build_report(world.db).total
    today = {r.group: r for r in build_report(world.db, None, "day").rows}[NOW.date().isoformat()]

    whole = (7, 6, 2, 1, 0, 1, 1, 1)  # 6 + 1 sent, Ben and Anna replied, Dana still paused
    assert values(q1.total) == values(report.total) == whole
    assert cli_json["total"] == report.total.as_dict()
    # in all campaigns: the same, but draft-later's two prospects also wait for their first step
    assert values(board.counts.total) == values(everything) == (*whole[:-1], 1 + 2)

    step1, step2 = (7 - 1 - 0, 6, 1, 1, 0, 1, 1, 0), (1, 1, 1, 0, 0, 0, 0, 1)
    assert values(funnel["step 1"]) == values(by_step["step 1"]) == step1
    assert values(funnel["step 2"]) == values(by_step["step 2"]) == step2  # Anna's reply
    for group in ("step 1 A", "step 1 B"):
        assert values(funnel[group]) == values(by_variant[group])
        assert funnel[group].in_progress is None
    assert sum(funnel[g].sent for g in ("step 1 A", "step 1 B")) == funnel["step 1"].sent

    # today: Anna's second step and her reply, as the dashboard and `report --by day` count it
    assert values(board.counts.today)[:3] == values(today)[:3] == (1, 1, 1)

    # the rate, one definition and one wording: replied as a share of contacted
    assert reply_rate(q1.total) == "2 / 6 33.3%"
    assert report.total.reply_rate == round(2 / 6, 4) == cli_json["total"]["reply_rate"]
    table = CliRunner().invoke(cli, ["report", "q1"], env={"COLUMNS": "200"}).output
    assert "reply rate % of contacted" in table and "│ 33.3%" in table, table
    cells = [str(cell) for cell in funnel_cells(q1.funnel[0])]
    assert cells[:3] == ["step 1", "6", "1 / 6 16.7%"]

    # Lena's ramping mailbox: one send today against day 4 of 10+5/day
    status = next(m for m in mailbox_health(world.db, NOW) if m["email"] == REP)
    dashboard = next(m for m in board.mailboxes if m.email == REP)
    listed = next(m for m in mailbox_rows(world.db, NOW) if m.email == REP)
    assert (status["sent_today"], status["cap_today"]) == (1, 25)
    assert (dashboard.day.sent_today, dashboard.day.cap_today) == (1, 25)
    assert (listed.sent_today, listed.cap_today) == (1, 25)
    assert status["today"] == dashboard.day.text == "1 / 25 ramping"
    assert status["daily_cap"] == dashboard.day.daily_cap == 40


def test_variants_are_named_by_their_subject(world: World) -> None:
    """``report --by variant``: "step 1 A" comes with the subject it was sent with — in the
    text table, the CSV and the JSON (a field of its own; ``group`` stays as it was)."""
    a, b = "{{ company }} and cold email", "Quick question, {{ first_name }}"
    rows = {r.group: r for r in build_report(world.db, "q1", "variant").rows}
    assert (rows["step 1 A"].subject, rows["step 1 B"].subject) == (a, b)
    assert {r.subject for r in build_report(world.db, "q1", "step").rows} == {None}

    runner = CliRunner()
    as_json = json.loads(runner.invoke(cli, ["report", "q1", "--json", "--by", "variant"]).stdout)
    assert [(r["group"], r["subject"]) for r in as_json["rows"]][:2] == [
        ("step 1 A", a), ("step 1 B", b)]
    assert as_json["total"]["subject"] is None
    as_csv = runner.invoke(cli, ["report", "q1", "--csv", "--by", "variant"]).stdout
    assert as_csv.splitlines()[0].startswith("group,subject,sent,")
    assert f"step 1 A,{a}," in as_csv
    table = runner.invoke(cli, ["report", "q1", "--by", "variant"], env={"COLUMNS": "250"}).output
    assert f"step 1 A “{a}”" in table and f"step 1 B “{b}”" in table, table
