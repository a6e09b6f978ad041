"""The suppression list: CLI add/remove/list/import and the bulk checks campaigns rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.errors import ConfigError
from outreach.prospects import suppression
from outreach.store import open_store, session_scope
from outreach.store.models import Suppression

CSV = Path(__file__).parent / "data" / "csv"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def listed() -> list[dict[str, Any]]:
    result = run("suppress", "list", "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def values_in_db() -> dict[str, tuple[str, str | None]]:
    with Session(open_store()) as session:
        return {s.value: (s.reason, s.source) for s in session.exec(select(Suppression))}


def test_add_normalizes_addresses_and_domains(outreach_home: Path) -> None:
    result = run("suppress", "add", " Anna@ACME.test ", "@Competitor.TEST", "--reason", "manual")
    assert result.exit_code == 0, result.output
    assert "suppressed anna@acme.test (manual)" in result.stdout
    assert values_in_db() == {
        "anna@acme.test": ("manual", "cli"),
        "@competitor.test": ("manual", "cli"),
    }
    assert [r["value"] for r in listed()] == ["@competitor.test", "anna@acme.test"]


def test_adding_again_keeps_the_original_reason(outreach_home: Path) -> None:
    run("suppress", "add", "x@y.test", "--reason", "bounce")
    result = run("suppress", "add", "X@Y.test", "--reason", "manual")
    assert result.exit_code == 0
    assert "x@y.test was already suppressed (bounce); kept as is" in result.stdout
    assert values_in_db() == {"x@y.test": ("bounce", "cli")}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("acme.test", "'acme.test' is neither an e-mail address nor a @domain"),
        ("@acme", "'@acme' is not a valid domain"),
        ("@bad_domain.test", "'@bad_domain.test' is not a valid domain"),
        ("a@@b.test", "'a@@b.test' is not a valid e-mail address"),
    ],
)
def test_invalid_values_change_nothing(outreach_home: Path, value: str, message: str) -> None:
    result = run("suppress", "add", "ok@fine.test", value)
    assert result.exit_code == 2
    assert message in result.stderr and "nothing was changed" in result.stderr
    assert values_in_db() == {}


def test_unknown_reason_is_a_usage_error(outreach_home: Path) -> None:
    assert run("suppress", "add", "x@y.test", "--reason", "dislike").exit_code == 2


def test_remove_is_all_or_nothing_and_points_at_a_covering_domain(outreach_home: Path) -> None:
    run("suppress", "add", "@acme.test", "bob@other.test")
    result = run("suppress", "remove", "bob@other.test", "anna@acme.test")
    assert result.exit_code == 3
    assert "not on the suppression list, nothing was removed: anna@acme.test" in result.stderr
    assert "anna@acme.test is covered by @acme.test" in result.stderr
    assert set(values_in_db()) == {"@acme.test", "bob@other.test"}
    result = run("suppress", "remove", "BOB@other.test", "@ACME.test")
    assert result.exit_code == 0, result.output
    assert "unsuppressed bob@other.test" in result.stdout
    assert values_in_db() == {}


def test_list_filters_by_reason_and_prints_a_table(outreach_home: Path) -> None:
    run("suppress", "add", "a@x.test", "--reason", "bounce")
    run("suppress", "add", "b@x.test")
    result = run("suppress", "list", "--reason", "bounce")
    assert result.exit_code == 0
    assert "a@x.test" in result.stdout and "b@x.test" not in result.stdout
    assert (
        "the suppression list is empty" in run("suppress", "list", "--reason", "complaint").stdout
    )


def test_import_plain_list_reports_bad_lines(outreach_home: Path) -> None:
    run("suppress", "add", "@competitor.test", "--reason", "complaint")
    result = run("suppress", "import", str(CSV / "suppress_list.txt"))
    assert result.exit_code == 0, result.output
    assert "1 added, 1 already suppressed, 2 rejected" in result.stdout
    assert "line 4: 'not an address' is neither an e-mail address nor a @domain" in result.stdout
    assert "line 5: '@bad_domain' is not a valid domain" in result.stdout
    assert values_in_db() == {
        "bounce@old.test": ("import", "suppress_list.txt"),
        "@competitor.test": ("complaint", "cli"),
    }


def test_import_csv_export_in_cp1252(outreach_home: Path) -> None:
    result = run("suppress", "import", str(CSV / "suppress_export.csv"), "--reason", "unsubscribe")
    assert result.exit_code == 0, result.output
    summary = json.loads(
        run("suppress", "import", str(CSV / "suppress_export.csv"), "--json").stdout
    )
    assert summary["encoding"] == "cp1252" and summary["added"] == []
    assert summary["already"] == ["unsub@abmeldung.test", "@spamtrap.test"]
    assert summary["rejected"] == [{"line": 4, "reason": "no e-mail address", "value": None}]
    assert values_in_db()["@spamtrap.test"] == ("unsubscribe", "suppress_export.csv")


@pytest.mark.parametrize("name", ["binary.csv", "undecodable.csv", "no_email_column.csv"])
def test_import_of_an_unusable_file_writes_nothing(outreach_home: Path, name: str) -> None:
    result = run("suppress", "import", str(CSV / name))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert not (outreach_home / "outreach.db").exists()


@pytest.fixture
def session(outreach_home: Path) -> Any:
    engine = open_store()
    with session_scope(engine) as session:
        suppression.add_suppressions(
            session,
            ["anna@acme.test", "@globex.test", "@eu.initech.test"],
            reason="manual",
            source="test",
        )
    with Session(engine) as session:
        yield session


def test_a_domain_covers_exactly_that_domain(session: Session) -> None:
    hit = suppression.is_suppressed(session, "Boss@GLOBEX.test")
    assert hit is not None and hit.value == "@globex.test"
    assert suppression.is_suppressed(session, "x@sub.globex.test") is None
    assert suppression.is_suppressed(session, "x@initech.test") is None
    assert suppression.is_suppressed(session, "x@eu.initech.test") is not None
    assert suppression.is_suppressed(session, "bob@acme.test") is None
    hit = suppression.is_suppressed(session, "anna@acme.test")
    assert hit is not None and hit.reason == "manual" and hit.source == "test"


def test_suppressed_set_for_a_short_lookup(session: Session) -> None:
    # fewer lookups than entries: looked up with IN (...) queries
    assert set(suppression.suppressions_for(session, ["anna@acme.test"])) == {"anna@acme.test"}
    assert suppression.suppressions_for(session, []) == {}


def test_suppressed_set_for_a_long_lookup(session: Session) -> None:
    # more lookups than entries: the whole (small) list is read once
    emails = [f"p{i}@acme.test" for i in range(50)] + ["anna@acme.test", "ceo@globex.test"]
    assert set(suppression.suppressions_for(session, emails)) == {"anna@acme.test", "ceo@globex.test"}
    found = suppression.suppressions_for(session, emails)
    assert found["ceo@globex.test"].value == "@globex.test"


def test_address_entry_wins_over_domain_entry(outreach_home: Path) -> None:
    with session_scope(open_store()) as session:
        suppression.add_suppressions(session, ["@acme.test"], reason="manual")
        suppression.add_suppressions(session, ["anna@acme.test"], reason="bounce")
        hit = suppression.is_suppressed(session, "anna@acme.test")
        assert hit is not None and hit.reason == "bounce"


def test_suppress_is_idempotent_for_the_watcher(outreach_home: Path) -> None:
    with session_scope(open_store()) as session:
        assert suppression.suppress(session, "Gone@Bounce.test", reason="bounce", source="dsn")
        assert not suppression.suppress(session, "gone@bounce.test", reason="complaint")
    assert values_in_db() == {"gone@bounce.test": ("bounce", "dsn")}


def test_service_rejects_an_unknown_reason(outreach_home: Path) -> None:
    with session_scope(open_store()) as session, pytest.raises(ConfigError):
        suppression.add_suppressions(session, ["a@b.test"], reason="dislike")
