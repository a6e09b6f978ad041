"""CSV exports never hand a spreadsheet a formula (OWASP CSV injection); JSON stays raw."""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.store import open_store, session_scope
from outreach.store.models import Prospect
from outreach.views.exports import csv_safe, to_csv, to_excel_csv

HOSTILE = ["=HYPERLINK(\"http://evil.test\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_are_quoted_in_csv(text: str) -> None:
    rows = [{"subject": text, "first_name": text, "sent": 3, "delta": -2, "data": {"k": text}}]
    read = next(csv.DictReader(io.StringIO(to_csv(rows), newline="")))
    expected = "'" + text.replace("\r", "\n")  # a bare CR would split the row
    assert read["subject"] == read["first_name"] == expected
    assert read["sent"] == "3" and read["delta"] == "-2"  # numbers are not text: unchanged
    assert not read["data"].startswith(("=", "+", "-", "@"))


def test_plain_text_is_unchanged() -> None:
    for text in ["Re: pricing", "a-b", "mail@x.test", "", "1+1", " =x"]:
        assert csv_safe(text) == text


def test_json_export_stays_raw() -> None:
    rows = [{"subject": text} for text in HOSTILE]
    assert [row["subject"] for row in json.loads(json.dumps(rows))] == HOSTILE


def test_excel_export_opens_in_german_excel(outreach_home: Path) -> None:
    """``export --excel``: BOM, ``;`` between fields, umlauts intact, formulas still text."""
    with session_scope(open_store()) as session:
        session.add(Prospect(email="max.mueller@example.de", domain="example.de",
                             first_name="Max", last_name="Müller",
                             company="=cmd|' /C calc'!A0", fields={"branche": "Bäckerei; Café"}))
    target = outreach_home.parent / "prospects.csv"
    result = CliRunner().invoke(cli, ["export", "prospects", "--excel", "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    header, _row = text.split("\r\n", 1)
    assert header.split(";")[:4] == ["email", "first_name", "last_name", "company"]
    [row] = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert row["last_name"] == "Müller"
    assert row["company"] == "'=cmd|' /C calc'!A0"
    assert row["branche"] == "Bäckerei; Café"  # a ';' inside a cell stays in its column


def test_excel_export_to_stdout_is_the_same_bytes(outreach_home: Path) -> None:
    rows = [{"name": "Müller", "note": "=1+1"}]
    assert to_excel_csv(rows) == "\ufeffname;note\r\nMüller;'=1+1\r\n".encode()
    result = CliRunner().invoke(cli, ["export", "prospects", "--excel"])
    assert result.exit_code == 0 and result.stdout_bytes == b""  # no prospects: no header
    both = CliRunner().invoke(cli, ["export", "prospects", "--excel", "--csv"])
    assert both.exit_code != 0 and "--excel" in both.output
