"""One check for sequence files: ``outreach sequence check`` and the TUI's view find the same
problems, merge fields are known from the standard fields and the prospects' CSV columns,
and a problem names the file line where the field is written (inside ``body: |`` too)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session

from outreach.cli import cli
from outreach.sequences import STANDARD_FIELDS, KnownFields, check_sequence_file
from outreach.store import open_store
from outreach.store.models import Prospect
from outreach.views.sequences import check_sequence, known_merge_fields

ROOT = Path(__file__).resolve().parents[1]

TYPOS = """\
name: Typos
steps:
  - subject: "Frage an {{ Firma }}"
    body: |
      Hallo {{ first_name | default("zusammen") }},

      wie läuft es bei {{ compnay }}?
      {{ branche | default("Ihre Branche") }} im Blick.
"""
"""``{{ Firma }}`` is on line 3, ``{{ compnay }}`` on line 7 of the file (a ``|`` block)."""


def write(folder: Path, text: str, name: str = "typos.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def add_prospect(email: str, **fields: str) -> None:
    with Session(open_store()) as session:
        session.add(Prospect(email=email, domain=email.rpartition("@")[2], fields=fields))
        session.commit()


def test_cli_fails_on_a_misspelt_field_in_a_block_at_its_file_line(
        outreach_home: Path, tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS)
    result = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert (f"{path}:7:27: steps[0].body: unknown merge field `compnay` → "
            "did you mean `company`?") in result.output
    assert (f"{path}:3:27: steps[0].subject: unknown merge field `Firma` → "
            "did you mean `company`?") in result.output
    assert "branche" not in result.output and "first_name" not in result.output


def test_installed_command_exits_non_zero_with_the_line(outreach_home: Path,
                                                        tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", "sequence", "check",
         str(path)], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 2
    assert f"{path}:7:27:" in run.stderr and "did you mean `company`?" in run.stderr


def test_cli_json_and_the_tui_view_report_the_same_problems(outreach_home: Path,
                                                             tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS)
    result = CliRunner().invoke(cli, ["sequence", "check", str(path), "--json"])
    assert result.exit_code == 2
    cli_problems = [(p["line"], p["column"], p["text"].split(": ", 1)[1])
                    for p in json.loads(result.output)["problems"]]
    view = check_sequence(path, known_merge_fields(open_store()))
    assert not view.ok
    assert [(f.line, f.column, f.text) for f in view.findings] == cli_problems
    assert [line for line, _, _ in cli_problems] == [3, 7]


def test_a_field_far_from_any_known_one_lists_the_known_fields(tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS.replace("Firma", "Umsatzklasse"))
    [first, _] = check_sequence_file(path, KnownFields.of(["region"])).problems
    assert (first.line, first.message) == (3, "unknown merge field `Umsatzklasse`")
    assert first.hint is not None
    assert first.hint.startswith("known fields: company, email, first_name, last_name, region, "
                                 "timezone;")
    assert 'write {{ Umsatzklasse | default("…") }}' in first.hint


def test_a_custom_column_of_imported_prospects_is_known(outreach_home: Path,
                                                         tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS.replace("{{ Firma }}", "{{ company }}")
                 .replace("{{ compnay }}", "{{ standort }}"))
    before = check_sequence(path, known_merge_fields(open_store()))
    assert [(f.line, f.text.split(" → ")[0]) for f in before.findings] == [
        (7, "steps[0].body: unknown merge field `standort`")]
    add_prospect("anna@nordwind.example", standort="Kiel")
    assert check_sequence(path, known_merge_fields(open_store())).ok
    result = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert result.exit_code == 0, result.output


def test_default_covers_an_unknown_field_but_not_a_misspelt_one(tmp_path: Path) -> None:
    fine = write(tmp_path, TYPOS.replace("{{ Firma }}", "x").replace("{{ compnay }}", "x"))
    assert check_sequence_file(fine, KnownFields.of()).ok
    misspelt = write(tmp_path, TYPOS.replace("{{ Firma }}", "x").replace(
        "{{ compnay }}", '{{ compnay | default("Ihrem Team") }}'), "misspelt.yaml")
    [problem] = check_sequence_file(misspelt, KnownFields.of()).problems
    assert str(problem) == (f"{misspelt}:7:27: steps[0].body: `compnay` is not a field, so its "
                            "default is always used → did you mean `company`?")


def test_a_custom_column_wins_over_an_alias_and_case_matters(tmp_path: Path) -> None:
    path = write(tmp_path, TYPOS.replace("{{ compnay }}", "{{ company }}"))
    known = KnownFields.of(["firma"], {"company": ["Firma"]})
    [problem] = check_sequence_file(path, known).problems
    assert problem.hint == "did you mean `firma`?"
    assert KnownFields.of(aliases={"last_name": ["Nachname"]}).suggestion("NACHNAME") == \
        "last_name"
    assert KnownFields.of().names == frozenset(STANDARD_FIELDS)


def test_shipped_example_sequences_pass_the_check(outreach_home: Path) -> None:
    known = known_merge_fields(open_store())
    for path in sorted((ROOT / "sequences").glob("*.yaml")):
        report = check_sequence_file(path, known)
        assert report.ok, [str(p) for p in report.problems]
