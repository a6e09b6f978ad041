"""``outreach prospects import`` end to end: CLI output, exit codes and what lands in the DB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.store import open_store
from outreach.store.models import Prospect, ProspectTag

CSV = Path(__file__).parent / "data" / "csv"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def import_json(path: Path, *args: str) -> dict[str, Any]:
    result = run("prospects", "import", str(path), "--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def prospects_in_db() -> dict[str, Prospect]:
    with Session(open_store()) as session:
        return {p.email: p for p in session.exec(select(Prospect))}


def tags_in_db() -> set[tuple[str, str]]:
    with Session(open_store()) as session:
        rows = session.exec(select(Prospect.email, ProspectTag.tag).join(ProspectTag))
        return {(email, tag) for email, tag in rows}


def test_german_excel_export(outreach_home: Path) -> None:
    summary = import_json(CSV / "german_excel.csv", "--tag", "messe")
    assert summary["encoding"] == "cp1252" and summary["delimiter"] == "semicolon"
    counts = [summary[k] for k in ("records", "created", "updated", "rejected", "duplicates")]
    assert counts == [3, 3, 0, 0, 0]
    assert summary["custom_fields"] == ["position"]
    db = prospects_in_db()
    juergen = db["j.mueller@mueller-partner.test"]
    assert (juergen.first_name, juergen.last_name) == ("Jürgen", "Müller")
    assert juergen.company == "Müller, Schmidt & Partner GmbH"
    assert juergen.fields == {"position": "Geschäftsführer"}
    assert juergen.domain == "mueller-partner.test"
    zoe = db["zoe.gross@preis.test"]
    assert (zoe.first_name, zoe.company, zoe.timezone) == ("Zoë", "Preis 5 € GmbH", "Europe/Vienna")
    assert db["aenne.weiss@baeckerei.test"].timezone is None
    assert {tag for _, tag in tags_in_db()} == {"messe"} and len(tags_in_db()) == 3


def test_utf8_bom_comma_file(outreach_home: Path) -> None:
    summary = import_json(CSV / "utf8_bom.csv")
    assert (summary["encoding"], summary["delimiter"], summary["created"]) == (
        "utf-8-sig",
        "comma",
        3,
    )
    db = prospects_in_db()
    assert db["lena@nordwind.test"].company == "Nordwind, Inc."
    assert db["lena@nordwind.test"].fields == {
        "job_title": "VP Sales",
        "linkedin_url": "https://linkedin.example/lena",
    }
    haruto = db["haruto@tokyo.test"]
    assert (haruto.first_name, haruto.last_name, haruto.company) == ("陽翔", "佐藤", "東京商事")
    assert db["lukasz@wisla.test"].timezone == "Europe/Warsaw"


def test_tab_separated_file(outreach_home: Path) -> None:
    summary = import_json(CSV / "tabs.tsv")
    assert (summary["delimiter"], summary["created"]) == ("tab", 2)
    ines = prospects_in_db()["ines@tab.test"]
    assert (ines.last_name, ines.company, ines.timezone) == ("Bauer", "Tab AG", "Europe/Zurich")
    assert ines.fields == {"notes": "met at expo, booth 4"}


def test_bad_rows_are_listed_with_line_numbers_and_the_rest_imported(outreach_home: Path) -> None:
    result = run("prospects", "import", str(CSV / "bad_rows.csv"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "  created    2\n" in out and "  rejected   3\n" in out and "  duplicates 1\n" in out
    assert "line 3: address 'not-an-address' is not a valid e-mail address" in out
    assert "line 4: no e-mail address" in out
    assert "line 7: address 'two@@rows.test' is not a valid e-mail address" in out
    assert "line 5: timezone 'Mars/Olympus_Mons' is not an IANA time zone" in out
    assert "line 6: good@rows.test (first on line 2)" in out
    db = prospects_in_db()
    assert set(db) == {"good@rows.test", "tz@rows.test"}
    good = db["good@rows.test"]
    assert (good.first_name, good.last_name, good.company, good.timezone) == (
        "Later",
        "One",
        "Rows Ltd (updated)",
        "Europe/London",
    )
    assert db["tz@rows.test"].timezone is None


def test_bad_rows_json_lists_every_rejection(outreach_home: Path) -> None:
    summary = import_json(CSV / "bad_rows.csv")
    assert [(r["line"], r["value"]) for r in summary["rejected_rows"]] == [
        (3, "not-an-address"),
        (4, None),
        (7, "two@@rows.test"),
    ]
    assert [w["line"] for w in summary["warnings"]] == [5]
    assert summary["duplicate_rows"] == [{"line": 6, "first_line": 2, "email": "good@rows.test"}]


def test_line_numbers_count_physical_lines_of_multi_line_fields(outreach_home: Path) -> None:
    summary = import_json(CSV / "multiline.csv")
    assert [r["line"] for r in summary["rejected_rows"]] == [5, 8, 12]
    assert summary["rejected_rows"][1]["value"] == '"quoted" bad'
    db = prospects_in_db()
    assert db["first@multi.test"].fields == {"notes": "line one\nline two\nline three"}
    assert db["third@multi.test"].last_name == "Fünfte"


def test_reimport_updates_non_empty_values_and_adds_tags(
    outreach_home: Path, tmp_path: Path
) -> None:
    import_json(CSV / "tabs.tsv", "--tag", "expo")
    before = prospects_in_db()["tom@tab.test"]
    changed = tmp_path / "changed.tsv"
    changed.write_text(
        "E-Mail\tVorname\tName\tUnternehmen\tTZ\tNotes\tPhone\n"
        "ines@tab.test\t\t\tTab Holding AG\t\t\t\n"
        "tom@tab.test\tThomas\tKlein\tTab AG\t\t\t+49 1\n"
        "new@tab.test\tNeu\t\t\t\t\t\n"
    )
    summary = import_json(changed, "--tag", "q2")
    assert [summary[k] for k in ("created", "updated", "unchanged")] == [1, 2, 0]
    db = prospects_in_db()
    ines = db["ines@tab.test"]
    assert (ines.first_name, ines.company, ines.timezone) == (
        "Ines",
        "Tab Holding AG",
        "Europe/Zurich",
    )
    assert ines.fields == {"notes": "met at expo, booth 4"}  # blank never clears
    tom = db["tom@tab.test"]
    assert (tom.first_name, tom.fields) == ("Thomas", {"phone": "+49 1"})
    assert tom.id == before.id and tom.created_at == before.created_at
    assert tom.updated_at > before.updated_at
    assert tags_in_db() == {
        ("ines@tab.test", "expo"),
        ("tom@tab.test", "expo"),
        ("ines@tab.test", "q2"),
        ("tom@tab.test", "q2"),
        ("new@tab.test", "q2"),
    }
    again = import_json(changed, "--tag", "q2")
    assert [again[k] for k in ("created", "updated", "unchanged")] == [0, 0, 3]


def test_reimport_with_only_a_new_tag_counts_as_updated(outreach_home: Path) -> None:
    import_json(CSV / "tabs.tsv")
    summary = import_json(CSV / "tabs.tsv", "--tag", "later")
    assert [summary[k] for k in ("created", "updated", "unchanged")] == [0, 2, 0]


def test_dry_run_counts_but_saves_nothing(outreach_home: Path) -> None:
    import_json(CSV / "tabs.tsv")
    result = run("prospects", "import", str(CSV / "german_excel.csv"), "--dry-run", "--tag", "x")
    assert result.exit_code == 0, result.output
    assert "Would import" in result.stdout and "  created    3\n" in result.stdout
    assert "dry run: nothing was saved" in result.stdout
    assert set(prospects_in_db()) == {"ines@tab.test", "tom@tab.test"}
    assert tags_in_db() == set()


def test_suppressed_addresses_are_imported_and_reported(outreach_home: Path) -> None:
    assert run("suppress", "add", "@baeckerei.test").exit_code == 0
    add = run("suppress", "add", "J.Mueller@mueller-partner.test", "--reason", "bounce")
    assert add.exit_code == 0, add.output
    summary = import_json(CSV / "german_excel.csv")
    assert (summary["created"], summary["suppressed"]) == (3, 2)
    assert sorted(summary["suppressed_prospects"], key=lambda s: s["email"]) == [
        {"email": "aenne.weiss@baeckerei.test", "value": "@baeckerei.test", "reason": "manual"},
        {
            "email": "j.mueller@mueller-partner.test",
            "value": "j.mueller@mueller-partner.test",
            "reason": "bounce",
        },
    ]
    assert len(prospects_in_db()) == 3
    text = run("prospects", "import", str(CSV / "german_excel.csv")).stdout
    assert "  suppressed 2\n" in text
    assert "aenne.weiss@baeckerei.test: manual (@baeckerei.test)" in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_email_column.csv", "no e-mail column in the header. Headers found: 'Vorname'"),
        ("undecodable.csv", "cannot decode the file as UTF-8 (byte 0xe9 at offset 21, line 2)"),
        ("binary.csv", "looks like a binary file, not CSV text"),
        ("empty.csv", "the file is empty"),
        ("header_only.csv", "has a header (line 1) but no rows below it"),
    ],
)
def test_file_level_errors_write_nothing(outreach_home: Path, name: str, message: str) -> None:
    import_json(CSV / "tabs.tsv")
    before = {e: (p.updated_at, dict(p.fields)) for e, p in prospects_in_db().items()}
    result = run("prospects", "import", str(CSV / name), "--tag", "never")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    after = {e: (p.updated_at, dict(p.fields)) for e, p in prospects_in_db().items()}
    assert after == before
    assert tags_in_db() == set()


def test_file_level_error_does_not_even_create_the_database(outreach_home: Path) -> None:
    result = run("prospects", "import", str(CSV / "no_email_column.csv"))
    assert result.exit_code == 2
    assert not (outreach_home / "outreach.db").exists()


def test_a_workbook_saved_with_a_csv_name_is_refused_with_a_hint(
    outreach_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(range(40)))
    result = run("prospects", "import", str(path))
    assert result.exit_code == 2
    assert "is an Excel workbook (.xlsx)" in result.stderr and "CSV UTF-8" in result.stderr


def test_missing_file_and_empty_tag_are_usage_errors(outreach_home: Path, tmp_path: Path) -> None:
    assert run("prospects", "import", str(tmp_path / "nope.csv")).exit_code == 2
    result = run("prospects", "import", str(CSV / "tabs.tsv"), "--tag", " ")
    assert result.exit_code == 2 and "--tag needs a non-empty value" in result.stderr
    assert prospects_in_db() == {}


def test_no_progress_bar_when_stderr_is_not_a_terminal(outreach_home: Path) -> None:
    result = run("prospects", "import", str(CSV / "german_excel.csv"))
    assert result.exit_code == 0
    assert result.stderr == ""


def test_many_rows_go_through_several_batches(outreach_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    rows = "".join(f"p{i}@many{i % 7}.test,P{i}\n" for i in range(1234))
    path.write_text("email,first_name\n" + rows)
    assert import_json(path, "--tag", "bulk")["created"] == 1234
    path.write_text("email,first_name\n" + rows.replace(",P1", ",Q1"))
    summary = import_json(path, "--tag", "bulk")
    changed = sum(1 for i in range(1234) if str(i).startswith("1"))
    assert (summary["updated"], summary["unchanged"]) == (changed, 1234 - changed)
    db = prospects_in_db()
    assert len(db) == 1234 and db["p1000@many6.test"].first_name == "Q1000"
    assert len(tags_in_db()) == 1234
