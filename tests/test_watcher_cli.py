"""``outreach inbox classify`` and ``outreach inbox scan``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.sandbox import Sandbox, build_dsn
from outreach.store import open_store, session_scope
from outreach.store.models import InboundMessage, Send, utcnow
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.test_watcher_support import out_of_office, reply_to, states

ANNA = "anna@acme.example"


def write_eml(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path


def sample_files(tmp_path: Path) -> list[Path]:
    original = reply_to("rep@sales.test", "gone@acme.example", subject="Hello")
    dsn = build_dsn(
        original.as_bytes(),
        recipient="gone@acme.example",
        sender="rep@sales.test",
        reporting_mta="mx.acme.example",
        now=datetime(2026, 3, 2, tzinfo=UTC),
    )
    back = date.today() + timedelta(days=9)
    return [
        write_eml(
            tmp_path / "reply.eml", reply_to(ANNA, "rep@sales.test", in_reply_to="<a@b>").as_bytes()
        ),
        write_eml(tmp_path / "bounce.eml", dsn.as_bytes(policy=policy.SMTP)),
        write_eml(
            tmp_path / "ooo.eml",
            out_of_office(
                ANNA, "rep@sales.test", "<a@b>", f"{back:%B} {back.day}, {back.year}"
            ).as_bytes(),
        ),
    ]


def test_classify_json_keeps_the_order_and_the_details(tmp_path: Path) -> None:
    files = sample_files(tmp_path)
    result = CliRunner().invoke(cli, ["inbox", "classify", *map(str, files), "--json"])
    assert result.exit_code == 0, result.output
    reply, bounce, ooo = json.loads(result.output)
    assert [reply["file"], bounce["file"], ooo["file"]] == [str(f) for f in files]
    assert reply["kind"] == "reply"
    assert reply["new_text"] == "Thanks, that sounds interesting. Can we talk on Tuesday?"
    assert bounce["kind"] == "bounce"
    assert bounce["hard"] is True
    assert bounce["recipients"] == ["gone@acme.example"]
    assert bounce["status"] == "5.1.1"
    back = date.today() + timedelta(days=9)
    assert (ooo["kind"], ooo["return_date"]) == ("auto_reply", back.isoformat())


def test_classify_table_and_an_unreadable_file(tmp_path: Path) -> None:
    files = sample_files(tmp_path)
    table = CliRunner().invoke(cli, ["inbox", "classify", *map(str, files)])
    assert table.exit_code == 0, table.output
    assert "reply" in table.output and "bounce" in table.output and "auto_reply" in table.output
    missing = tmp_path / "missing.eml"
    result = CliRunner().invoke(cli, ["inbox", "classify", str(files[0]), str(missing)])
    assert result.exit_code == 2
    assert f"cannot read {missing}" in result.output


def test_scan_is_a_dry_run_until_apply(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, [ANNA])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1d"), [REP_ADDRESS])
    with session_scope(db) as session:
        send = session.exec(select(Send)).one()
        send.state, send.sent_at = "sent", utcnow()
        session.add(send)
        message_id = send.message_id
    sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS, in_reply_to=message_id).as_bytes())
    sandbox.inject(REP_ADDRESS, reply_to("news@shop.example", REP_ADDRESS).as_bytes())
    runner = CliRunner()

    dry = runner.invoke(cli, ["inbox", "scan", REP_ADDRESS, "--json"])
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert report["looked_at"] == 2 and report["folders"] == ["INBOX", "Junk"]
    [item] = report["messages"]
    assert (item["kind"], item["match"], item["prospect"]) == ("reply", "thread", ANNA)
    assert item["actions"] == [f"enrollment {item['enrollment_id']} → replied (reply)"]
    assert states(db)[ANNA] == ("active", None)

    applied = runner.invoke(cli, ["inbox", "scan", REP_ADDRESS, "--apply"])
    assert applied.exit_code == 0, applied.output
    assert states(db)[ANNA] == ("replied", "reply")
    again = json.loads(runner.invoke(cli, ["inbox", "scan", REP_ADDRESS, "--json"]).output)
    assert again["messages"][0]["handled_before"] is True
    with Session(db) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1
