"""The lifecycle core through the CLI and the TUI's commands: one person, every campaign.

Double enrollment is skipped and named (``--include-active`` enrolls anyway); ``suppress
add`` stops the address's live enrollments at once, from the CLI as from the TUI; the
engine's pre-send check stops a send to a person who answered elsewhere.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import Session, col, select

from outreach.campaigns.enroll import suppress_address
from outreach.cli import cli
from outreach.lifecycle.facts import load_facts
from outreach.lifecycle.sending import person_still_wanted
from outreach.store import open_store
from outreach.store.models import Campaign, Enrollment, Event, Prospect, Send, utcnow
from outreach.store.repository import ENROLLMENT
from tests.test_campaigns import setup as setup_cli

ANNA = "anna@acme.test"
SEQUENCE = """\
name: t
schedule: {timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
steps:
  - subject: "Hi {{ company }}"
    body: "Hello {{ first_name }}"
  - wait: 3 business days
    body: "Bump"
"""


def setup(tmp_path: Path) -> CliRunner:
    return setup_cli(tmp_path, SEQUENCE)


def two_campaigns(runner: CliRunner, tmp_path: Path, *, include_active: bool) -> object:
    """q1 started with everyone; q2 created for everyone again."""
    sequence = str(tmp_path / "s.yaml")
    for args in (
        ["campaign", "create", "q1", "--sequence", sequence, "--mailbox", "rep@sales.test",
         "--tag", "q1"],
        ["campaign", "start", "q1", "--no-verify"],
    ):  # fmt: skip
        assert runner.invoke(cli, args).exit_code == 0
    extra = ["--include-active"] if include_active else []
    return runner.invoke(cli, ["campaign", "create", "q2", "--sequence", sequence,
                               "--mailbox", "rep@sales.test", "--tag", "q1", *extra])  # fmt: skip


def states(campaign: str) -> dict[str, tuple[str, str | None]]:
    with Session(open_store()) as session:
        rows = session.exec(
            select(Prospect.email, Enrollment.state, Enrollment.reason)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
            .where(Campaign.name == campaign)
        )
        return {email: (state, reason) for email, state, reason in rows.all()}


def test_create_skips_people_live_elsewhere_and_names_them(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path)
    result = two_campaigns(runner, tmp_path, include_active=False)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "0 prospects enrolled" in output
    for email in ("anna@acme.test", "bob@beta.test", "carl@gamma.test"):
        assert f"{email}: already in campaign q1 (step 1 of 2)" in output
    assert "--include-active" in output
    assert states("q2") == {}


def test_json_names_each_skipped_prospect_and_include_active_enrolls(
    any_db: str, tmp_path: Path
) -> None:
    runner = setup(tmp_path)
    two_campaigns(runner, tmp_path, include_active=False)
    args = ["campaign", "enroll", "q2", ANNA, "--json"]
    skipped = json.loads(runner.invoke(cli, args).output)
    assert skipped["enrolled"] == 0
    assert skipped["skipped"] == [{"email": ANNA, "why": "active_elsewhere",
                                   "reason": "already in campaign q1 (step 1 of 2)"}]  # fmt: skip
    enrolled = json.loads(runner.invoke(cli, [*args, "--include-active"]).output)
    assert (enrolled["enrolled"], enrolled["skipped"]) == (1, [])
    assert states("q2") == {ANNA: ("active", None)}


def test_suppress_add_from_the_cli_stops_every_live_enrollment(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path)
    two_campaigns(runner, tmp_path, include_active=True)
    runner.invoke(cli, ["campaign", "start", "q2", "--no-verify"])
    result = runner.invoke(cli, ["suppress", "add", ANNA])
    assert result.exit_code == 0, result.output
    assert "2 live enrollments stopped" in result.output
    for campaign in ("q1", "q2"):
        assert states(campaign)[ANNA] == ("stopped", "suppressed (manual)")
        assert states(campaign)["bob@beta.test"] == ("active", None)
    with Session(open_store()) as session:
        queued = session.exec(
            select(Send.state).join(Prospect, col(Prospect.id) == col(Send.prospect_id))
            .where(Prospect.email == ANNA)
        ).all()  # fmt: skip
    assert queued and set(queued) == {"cancelled"}


def test_suppress_from_the_tui_is_the_same_operation(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path)
    two_campaigns(runner, tmp_path, include_active=True)
    runner.invoke(cli, ["campaign", "start", "q2", "--no-verify"])
    assert suppress_address(open_store(), ANNA) == 2
    assert states("q1")[ANNA] == states("q2")[ANNA] == ("stopped", "suppressed (manual)")
    with Session(open_store()) as session:
        sources = session.exec(
            select(Event.data).where(Event.kind == "stopped", col(Event.prospect_id).is_not(None))
        ).all()
    assert [data["source"] for data in sources] == ["tui", "tui"]


def test_the_pre_send_check_asks_whether_the_person_is_still_wanted(
    any_db: str, tmp_path: Path
) -> None:
    """Anna answered q1 after her q2 enrollment began (a stop that reached only q1): the
    engine's check before q2's send stops that enrollment too, naming why."""
    runner = setup(tmp_path)
    two_campaigns(runner, tmp_path, include_active=True)
    runner.invoke(cli, ["campaign", "start", "q2", "--no-verify"])
    db = open_store()
    with Session(db) as session:
        [(q1_id, q2_send)] = session.exec(
            select(Enrollment.id, Send.id)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .join(Send, col(Send.prospect_id) == col(Prospect.id))
            .where(Prospect.email == ANNA, Enrollment.campaign_id == 1, Send.campaign_id == 2)
        ).all()  # fmt: skip
    later = utcnow() + timedelta(seconds=1)
    with db.begin() as conn:
        conn.execute(
            update(ENROLLMENT).where(ENROLLMENT.c.id == q1_id)
            .values(state="replied", reason="reply", updated_at=later)
        )  # fmt: skip
        facts = load_facts(conn, q2_send)
        assert facts is not None and facts.person_ended == "q1: replied"
        assert not person_still_wanted(conn, facts, later)
    assert states("q2")[ANNA] == ("stopped", "person q1: replied")
    with Session(db) as session:
        bob_send = session.exec(
            select(Send.id).join(Prospect, col(Prospect.id) == col(Send.prospect_id))
            .where(Prospect.email == "bob@beta.test", Send.campaign_id == 2)
        ).one()  # fmt: skip
    with db.begin() as conn:
        bob = load_facts(conn, bob_send)
        assert bob is not None and bob.person_ended is None
        assert person_still_wanted(conn, bob, later)
