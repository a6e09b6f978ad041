"""The TUI's read models and commands (outreach/views), on the fixed world."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from outreach.campaigns import enroll
from outreach.errors import ConfigError
from outreach.mailbox.probe import ProbeStep
from outreach.prospects.suppression import is_suppressed
from outreach.store.models import EngineInstance, Enrollment, InboundMessage, Prospect, Send
from outreach.views.campaigns import campaign_summaries, enrollment_page
from outreach.views.inbox import inbox_page
from outreach.views.mailbox_form import blocking, check_form, field_errors
from outreach.views.presence import engine_presence
from outreach.views.prospects import ProspectQuery, search_prospects
from outreach.views.sequences import check_sequence, known_merge_fields, preview_sequence
from outreach.views.timeline import prospect_timeline
from outreach.views.today import load_dashboard
from outreach.watcher import triage
from tests.test_tui_support import NOW, World

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

UTC = ZoneInfo("UTC")


def enrollment_of(world: World, email: str) -> Enrollment:
    with Session(world.db) as session:
        return session.exec(
            select(Enrollment).join(Prospect).where(Prospect.email == email, Enrollment.campaign_id == 1)
        ).one()


def inbound_from(world: World, sender: str) -> InboundMessage:
    with Session(world.db) as session:
        return session.exec(select(InboundMessage).where(InboundMessage.from_addr == sender)).one()


def test_dashboard_counts_caps_and_queue(world: World) -> None:
    board = load_dashboard(world.db, NOW, UTC)
    lena, tom = board.mailboxes
    assert (lena.day.sent_today, lena.day.cap_today, lena.paused) == (0, 25, False)  # ramp 10+5/day, day 4
    assert lena.next_send_at is not None and lena.next_send_at > NOW
    assert tom.paused and tom.pause_reason == "535 5.7.8 authentication failed"
    assert [(q.email, q.step) for q in board.queue] == [("anna@nordwind.example", 2)]
    assert [a.from_addr for a in board.attention] == ["ben@kiefer.example"]
    assert (board.counts.total.bounced, board.counts.total.unsubscribed) == (1, 1)


def test_funnel_per_step_and_variant(world: World) -> None:
    q1 = next(c for c in campaign_summaries(world.db) if c.name == "q1")
    assert [r.label for r in q1.funnel] == ["step 1", "step 1 A", "step 1 B", "step 2"]
    step1, *variants, step2 = (r.numbers for r in q1.funnel)
    assert (step1.sent, step1.contacted) == (6, 6) == (sum(v.sent for v in variants), q1.total.contacted)
    assert (step1.replied, step1.bounced, step1.unsubscribed, step1.auto_replies) == (1, 1, 1, 1)
    assert sum(v.replied for v in variants) == 1
    assert (step2.sent, step2.in_progress) == (0, 2)  # anna active, dana paused: waiting for step 2
    assert all(v.in_progress is None for v in variants)


def test_enrollments_filter_by_state(world: World) -> None:
    assert enrollment_page(world.db, "q1").total == 6
    page = enrollment_page(world.db, "q1", state="replied")
    assert [row.email for row in page.rows] == ["ben@kiefer.example"]


def test_prospect_search_sort_and_pages(world: World) -> None:
    assert [r.email for r in search_prospects(world.db, ProspectQuery(search="KIEF")).rows] == [
        "ben@kiefer.example",
        "chris@kiefer.example",
    ]
    by_company = search_prospects(world.db, ProspectQuery(sort="company", descending=True))
    assert by_company.rows[0].company == "Quarz"
    page = search_prospects(world.db, ProspectQuery(offset=3, limit=3))
    assert (page.first, page.last, page.total, page.has_next, page.has_previous) == (4, 6, 8, True, True)
    suppressed = {r.email: r.suppressed for r in search_prospects(world.db, ProspectQuery()).rows}
    assert suppressed["emil@quarz.example"] is not None and suppressed["anna@nordwind.example"] is None


def test_timeline_lists_sends_messages_and_their_effects(world: World) -> None:
    ben = enrollment_of(world, "ben@kiefer.example")
    timeline = prospect_timeline(world.db, ben.prospect_id)
    kinds = [entry.kind for entry in timeline.entries]
    assert kinds[:2] == ["sent", "reply"]
    reply = timeline.entries[1]
    assert "short call" in reply.detail
    assert reply.caused == (
        "ben@kiefer.example replied (reply)",
        "chris@kiefer.example stopped (a colleague at the same company replied)",
    )


def test_reclassify_auto_reply_as_reply_ends_the_sequence(world: World) -> None:
    dana = inbound_from(world, "dana@lumen.example")
    done = triage.reclassify(world.db, dana.id or 0, "reply", NOW)
    assert done.reopened and done.was == "auto_reply"
    assert enrollment_of(world, "dana@lumen.example").state == "replied"
    with Session(world.db) as session:
        pending = session.exec(
            select(Send).where(Send.enrollment_id == dana.enrollment_id, Send.state == "scheduled")
        ).all()
    assert pending == []
    item = next(i for i in inbox_page(world.db, "reply").rows if i.from_addr == "dana@lumen.example")
    assert item.by_hand and item.classified_as == "auto_reply"


def test_reclassify_reply_as_auto_reply_brings_follow_ups_back_paused(world: World) -> None:
    ben = inbound_from(world, "ben@kiefer.example")
    triage.reclassify(world.db, ben.id or 0, "auto_reply", NOW)
    enrollment = enrollment_of(world, "ben@kiefer.example")
    assert enrollment.state == "paused" and enrollment.resume_at is not None
    with Session(world.db) as session:
        queued = session.exec(
            select(Send).where(Send.enrollment_id == enrollment.id, Send.state == "scheduled")
        ).all()
    assert [s.step_index for s in queued] == [1]


def test_reclassify_reply_as_unsubscribe_suppresses(world: World) -> None:
    ben = inbound_from(world, "ben@kiefer.example")
    triage.reclassify(world.db, ben.id or 0, "unsubscribe", NOW)
    assert enrollment_of(world, "ben@kiefer.example").state == "unsubscribed"
    with Session(world.db) as session:
        assert is_suppressed(session, "ben@kiefer.example") is not None


def test_mark_interest_clears_the_reply_from_to_read(world: World) -> None:
    ben = inbound_from(world, "ben@kiefer.example")
    assert inbox_page(world.db, "attention").total == 1
    triage.mark_interest(world.db, ben.id or 0, "interested")
    assert inbox_page(world.db, "attention").total == 0
    with pytest.raises(ConfigError):
        triage.mark_interest(world.db, ben.id or 0, "maybe")


def test_add_to_active_campaign_queues_the_first_step(world: World) -> None:
    added = enroll.add_to_campaign(world.db, "q1", "gert@orbit.example", NOW)
    assert added.queued and added.mailbox == "lena@sales.example"
    gert = enrollment_of(world, "gert@orbit.example")
    with Session(world.db) as session:
        [send] = session.exec(select(Send).where(Send.enrollment_id == gert.id)).all()
    assert send.step_index == 0 and send.state == "scheduled"
    with pytest.raises(ConfigError, match="already"):
        enroll.add_to_campaign(world.db, "q1", "gert@orbit.example", NOW)
    with pytest.raises(ConfigError, match="suppressed"):
        enroll.add_to_campaign(world.db, "draft-later", "emil@quarz.example", NOW)


def test_suppress_stops_live_enrollments_and_unsuppress_undoes_the_entry(world: World) -> None:
    assert enroll.suppress_address(world.db, "anna@nordwind.example") == 1
    assert enrollment_of(world, "anna@nordwind.example").state == "stopped"
    assert enroll.unsuppress_address(world.db, "anna@nordwind.example") == "anna@nordwind.example"
    with Session(world.db) as session:
        assert is_suppressed(session, "anna@nordwind.example") is None


def test_sequence_findings_keep_their_line(world: World) -> None:
    check = check_sequence(world.sequences / "broken.yaml", known_merge_fields(world.db))
    assert not check.ok
    assert [(f.line, f.column) for f in check.findings] == [(7, 11)]
    assert "bizdays" in check.findings[0].text
    fixed = (world.sequences / "broken.yaml").read_text().replace("3 bizdays", "3d")
    (world.sequences / "broken.yaml").write_text(fixed)
    check = check_sequence(world.sequences / "broken.yaml", known_merge_fields(world.db))
    assert [(f.line, "first_name" in f.text) for f in check.findings] == [(6, True)]


def test_preview_renders_every_step_for_one_prospect(world: World) -> None:
    steps = preview_sequence(world.db, world.sequence, "anna@nordwind.example")
    assert [s.step for s in steps] == [1, 2, 3]
    assert steps[0].subject and "Anna" in steps[0].body
    assert steps[1].subject == f"Re: {steps[0].subject}" and steps[1].in_thread


def test_engine_presence_reads_heartbeats_of_other_processes(world: World) -> None:
    assert engine_presence(world.db, NOW, running_here=False).state == "stopped"
    assert engine_presence(world.db, NOW, running_here=True).state == "here"
    rows = [
        {"id": "mine", "host": socket.gethostname(), "pid": os.getpid(), "kind": "tui"},
        {"id": "old", "host": "vps", "pid": 7, "kind": "daemon", "heartbeat_at": NOW - timedelta(hours=1)},
        {"id": "live", "host": "vps", "pid": 42, "kind": "daemon"},
    ]
    with world.db.begin() as conn:
        for row in rows:
            conn.execute(insert(EngineInstance).values(started_at=NOW, heartbeat_at=NOW, **row) if "heartbeat_at" not in row else insert(EngineInstance).values(started_at=NOW, **row))
    presence = engine_presence(world.db, NOW, running_here=False)
    assert (presence.state, presence.detail) == ("elsewhere", "daemon on vps (pid 42)")


def test_mailbox_form_errors_by_field() -> None:
    form, errors = check_form(
        {"email": "not-an-address", "smtp_host": "smtp.example.com", "smtp_port": "99999",
         "smtp_security": "starttls", "imap_host": "", "imap_port": "993",
         "imap_security": "tls", "password": "", "daily_cap": "0", "ramp": "fast"},
        editing=False,
    )  # fmt: skip
    assert form is None
    assert set(errors) == {"email", "smtp_port", "imap_host", "password", "daily_cap", "ramp"}
    form, errors = check_form(
        {"email": "Lena@Firma.de", "smtp_host": "smtp.firma.de", "smtp_port": "",
         "smtp_security": "none", "imap_host": "imap.firma.de", "imap_security": "tls",
         "password": "pw"},
        editing=False,
    )  # fmt: skip
    assert form is None and "clear text" in errors["smtp_security"]


def test_failed_probe_steps_land_next_to_their_field() -> None:
    steps = [
        ProbeStep("secret", "fetch the password", True),
        ProbeStep("smtp", "connect smtp.x:587 (starttls)", True),
        ProbeStep("smtp", "AUTH", False, "535 5.7.8 bad credentials"),
        ProbeStep("imap", "connect imap.x:993 (tls)", False, "host not found"),
        ProbeStep("imap", "Sent folder", False, "no folder is flagged \\Sent"),
    ]
    errors = field_errors(steps)
    assert errors["password"].endswith("535 5.7.8 bad credentials")
    assert "host not found" in errors["imap_host"]
    assert blocking(steps)
    assert not blocking([steps[0], steps[1], steps[4]])  # a missing Sent folder alone is fine


def test_no_textual_outside_the_tui(tmp_path: Path) -> None:
    """Nothing outside outreach/tui imports Textual (the CLI only imports it for `tui`), and
    `outreach` without a terminal prints its help (with the tui command) instead."""
    import subprocess
    import sys

    code = (
        "import outreach.cli, outreach.engine.runner, outreach.watcher, outreach.views.today, "
        "outreach.views.campaigns, outreach.views.prospects, outreach.views.inbox, "
        "outreach.views.timeline, outreach.watcher.triage, outreach.campaigns.enroll, "
        "outreach.views.sequences, outreach.views.mailboxes, outreach.views.mailbox_form, "
        "outreach.views.presence, outreach.views.names, outreach.cli.tui; import sys; "
        "from click.testing import CliRunner; "
        "result = CliRunner().invoke(outreach.cli.cli, []); "
        "assert result.exit_code == 0 and 'Usage:' in result.output, result.output; "
        "assert '  tui ' in result.output, result.output; "
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)"
    )
    env = {**os.environ, "OUTREACH_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
