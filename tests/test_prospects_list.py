"""``outreach prospects list`` and ``show``: filters, limits, tags, suppression status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from outreach.cli import cli

CSV = Path(__file__).parent / "data" / "csv"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def listed(*args: str) -> list[dict[str, Any]]:
    result = run("prospects", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def emails(rows: list[dict[str, Any]]) -> list[str]:
    return [row["email"] for row in rows]


def seed() -> None:
    for name, tag in (("german_excel.csv", "de"), ("tabs.tsv", "ch"), ("utf8_bom.csv", "us")):
        assert run("prospects", "import", str(CSV / name), "--tag", tag).exit_code == 0


def test_list_is_sorted_by_address_and_filtered_by_tag(outreach_home: Path) -> None:
    seed()
    assert len(listed()) == 8
    assert emails(listed("--tag", "ch")) == ["ines@tab.test", "tom@tab.test"]
    assert listed("--tag", "nobody") == []


def test_search_is_case_insensitive_over_address_name_and_company(outreach_home: Path) -> None:
    seed()
    assert emails(listed("--search", "TAB AG")) == ["ines@tab.test", "tom@tab.test"]
    assert emails(listed("--search", "müller")) == ["j.mueller@mueller-partner.test"]
    assert emails(listed("--search", "lena@")) == ["lena@nordwind.test"]
    assert emails(listed("--search", "%")) == []  # wildcards are literal


def test_limit_shows_how_many_match_in_all(outreach_home: Path) -> None:
    seed()
    assert len(listed("--limit", "3")) == 3
    result = run("prospects", "list", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "showing 3 of 8" in result.stdout
    assert run("prospects", "list", "--limit", "0").exit_code == 2


def test_list_json_has_tags_fields_and_suppression(outreach_home: Path) -> None:
    seed()
    run("prospects", "import", str(CSV / "tabs.tsv"), "--tag", "expo")
    run("suppress", "add", "@tab.test", "--reason", "complaint")
    [ines, _tom] = listed("--tag", "ch")
    assert ines["tags"] == ["ch", "expo"]
    assert ines["fields"] == {"notes": "met at expo, booth 4"}
    assert ines["suppressed"] == {"value": "@tab.test", "reason": "complaint", "source": "cli"}
    run("suppress", "remove", "@tab.test")
    assert listed("--tag", "ch")[0]["suppressed"] is None


def test_table_output_is_safe_for_brackets_in_user_data(
    outreach_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("email,company\nodd@x.test,ACME [EU] [/x]\n")
    run("prospects", "import", str(path))
    result = run("prospects", "list")
    assert result.exit_code == 0, result.output
    assert "ACME [EU] [/x]" in result.stdout


def test_empty_list_says_how_to_import(outreach_home: Path) -> None:
    result = run("prospects", "list")
    assert result.exit_code == 0
    assert "outreach prospects import" in result.stdout


def test_show_one_prospect(outreach_home: Path) -> None:
    seed()
    run("suppress", "add", "zoe.gross@preis.test", "--reason", "unsubscribe")
    result = run("prospects", "show", "Zoe.Gross@PREIS.test", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["first_name"] == "Zoë" and record["company"] == "Preis 5 € GmbH"
    assert record["fields"] == {"position": "Einkauf"} and record["tags"] == ["de"]
    assert record["suppressed"]["reason"] == "unsubscribe"
    text = run("prospects", "show", "zoe.gross@preis.test").stdout
    assert "position: Einkauf" in text
    assert "suppressed by zoe.gross@preis.test (unsubscribe)" in text


def test_show_unknown_prospect_exits_3(outreach_home: Path) -> None:
    result = run("prospects", "show", "nobody@nowhere.test")
    assert result.exit_code == 3
    assert "no prospect 'nobody@nowhere.test'" in result.stderr
