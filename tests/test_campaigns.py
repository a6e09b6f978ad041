"""Campaign lifecycle through the CLI: create, preflight, start, pause/resume, show, plan."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session, func, select

from outreach.cli import cli
from outreach.store import open_store
from outreach.store.models import Campaign, Enrollment, Send

SEQUENCE = """\
name: t
schedule: {timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
pace: {daily_cap: 2, gap: 2m-5m}
steps:
  - subject: "Hi {{ company }}"
    body: "Hello {{ first_name }}, {{ job_title }}"
  - wait: 3 business days
    body: "Bump"
"""
CSV = "email;Vorname;Firma;Job Title;Zeitzone\n" \
      "anna@acme.test;Anna;Acme;CTO;Europe/Berlin\n" \
      "bob@beta.test;Bob;Beta;CEO;America/New_York\n" \
      "carl@gamma.test;Carl;Gamma;;\n"


def setup(tmp_path: Path, sequence: str = SEQUENCE) -> CliRunner:
    runner = CliRunner()
    (tmp_path / "p.csv").write_text(CSV)
    (tmp_path / "s.yaml").write_text(sequence)
    assert runner.invoke(cli, ["prospects", "import", str(tmp_path / "p.csv"), "--tag", "q1"]).exit_code == 0
    added = runner.invoke(cli, ["mailbox", "add", "rep@sales.test", "--smtp-host", "127.0.0.1",
                                "--smtp-security", "none", "--imap-host", "127.0.0.1",
                                "--imap-security", "none", "--password-command", "echo x"])
    assert added.exit_code == 0, added.output
    return runner


def test_create_enrolls_tagged_prospects_and_skips_suppressed(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path)
    assert runner.invoke(cli, ["suppress", "add", "@gamma.test"]).exit_code == 0
    result = runner.invoke(cli, ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"),
                                 "--mailbox", "rep@sales.test", "--tag", "q1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["enrolled"] == 2 and data["suppressed"] == ["carl@gamma.test"]
    shown = json.loads(runner.invoke(cli, ["campaign", "show", "q1", "--json"]).output)
    assert {e["email"] for e in shown["enrollments"]} == {"anna@acme.test", "bob@beta.test"}
    assert all(e["state"] == "active" and e["mailbox"] == "rep@sales.test" for e in shown["enrollments"])


def test_preflight_refuses_to_start_and_names_who_fails(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path)
    runner.invoke(cli, ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"),
                        "--mailbox", "rep@sales.test", "--all"])
    result = runner.invoke(cli, ["campaign", "start", "q1", "--no-verify"])
    assert result.exit_code == 2
    assert "carl@gamma.test: no value for job_title" in result.output
    with Session(open_store()) as session:
        assert session.exec(select(Campaign)).one().state == "draft"
        assert session.exec(select(func.count()).select_from(Send)).one() == 0


def test_bad_sequence_writes_nothing(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path, SEQUENCE.replace("wait: 3 business days", "wait: 3 bizdays"))
    result = runner.invoke(cli, ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"),
                                 "--mailbox", "rep@sales.test", "--all"])
    assert result.exit_code == 2
    assert "s.yaml:7" in result.output and "steps[1].wait" in result.output
    with Session(open_store()) as session:
        assert session.exec(select(func.count()).select_from(Campaign)).one() == 0
        assert session.exec(select(func.count()).select_from(Enrollment)).one() == 0


def test_start_pause_resume_and_plan(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path, SEQUENCE.replace("{{ job_title }}", "{{ job_title | default('') }}"))
    runner.invoke(cli, ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"),
                        "--mailbox", "rep@sales.test", "--all"])
    draft_plan = json.loads(runner.invoke(cli, ["campaign", "plan", "q1", "--json", "--days", "30"]).output)
    assert len(draft_plan) == 6  # 3 prospects × 2 steps
    started = runner.invoke(cli, ["campaign", "start", "q1", "--no-verify"])
    assert started.exit_code == 0, started.output
    assert "3 first emails queued" in started.output
    plan = json.loads(runner.invoke(cli, ["campaign", "plan", "q1", "--json", "--days", "30"]).output)
    assert len(plan) == 6
    assert all(row["mailbox"] == "rep@sales.test" for row in plan)
    first_steps = sorted(r["at"] for r in plan if r["step"] == 1)
    assert len({f[:10] for f in first_steps}) >= 2  # daily cap 2: the third waits a day
    assert runner.invoke(cli, ["campaign", "pause", "q1"]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["campaign", "list", "--json"]).output)
    assert listed[0]["state"] == "paused"
    assert runner.invoke(cli, ["campaign", "start", "q1", "--no-verify"]).exit_code == 2
    assert runner.invoke(cli, ["campaign", "resume", "q1"]).exit_code == 0
    missing = runner.invoke(cli, ["campaign", "show", "nope"])
    assert missing.exit_code == 3 and "no campaign 'nope'" in missing.output


def test_update_shows_impact_then_applies(any_db: str, tmp_path: Path) -> None:
    runner = setup(tmp_path, SEQUENCE.replace("{{ job_title }}", "{{ job_title | default('') }}"))
    runner.invoke(cli, ["campaign", "create", "q1", "--sequence", str(tmp_path / "s.yaml"), "--mailbox", "rep@sales.test", "--all"])
    assert runner.invoke(cli, ["campaign", "start", "q1", "--no-verify"]).exit_code == 0
    edited = tmp_path / "s2.yaml"
    edited.write_text((tmp_path / "s.yaml").read_text().replace("wait: 3 business days", "wait: 5 business days")
                      + '  - wait: 1w\n    body: "Last one"\n')
    shown = runner.invoke(cli, ["campaign", "update", "q1", "--sequence", str(edited)])
    assert shown.exit_code == 0, shown.output
    assert "3 prospects are in flight" in shown.output
    assert "step 2: wait changed  (3 prospects still to get it)" in shown.output
    assert "step 3: added" in shown.output and "--yes" in shown.output
    assert json.loads(runner.invoke(cli, ["campaign", "list", "--json"]).output)[0]["steps"] == 2
    applied = runner.invoke(cli, ["campaign", "update", "q1", "--sequence", str(edited), "--yes"])
    assert applied.exit_code == 0 and "applied" in applied.output
    assert json.loads(runner.invoke(cli, ["campaign", "list", "--json"]).output)[0]["steps"] == 3
