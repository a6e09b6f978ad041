"""CSV exports never hand a spreadsheet a formula (OWASP CSV injection); JSON stays raw."""

from __future__ import annotations

import csv
import io
import json

import pytest

from outreach.views.exports import csv_safe, to_csv

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
