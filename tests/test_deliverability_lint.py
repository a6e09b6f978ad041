"""Content lint: each rule fires on its bad example, at the right line, and the shipped
example sequences lint clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.deliverability.lint import lint_file, lint_sequence
from outreach.deliverability.lint_text import visible_text
from outreach.deliverability.spam_words import load_spam_words
from outreach.sequences import load_sequence

ROOT = Path(__file__).resolve().parents[1]
LINT_DIR = ROOT / "tests" / "data" / "lint"
BAD = sorted(LINT_DIR.glob("*.yaml"))
GOOD = ROOT / "tests/data/sequences/good"
CLEAN = [*sorted((ROOT / "sequences").glob("*.yaml")), ROOT / "outreach/data/demo_sequence.yaml",
         GOOD / "full.yaml"]
RULES = {"spam_word", "all_caps", "exclamations", "links", "shortener", "images",
         "subject_length", "html_only", "merge_tag", "spintax", "no_opt_out"}


def expected(path: Path) -> list[str]:
    """The ``# expect: rule@line …`` header of a fixture."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), path
    return sorted(first.removeprefix("# expect:").split())


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_rule_fires_on_its_bad_example(path: Path, outreach_home: Path) -> None:
    findings = lint_file(path)
    assert sorted(f"{f.rule}@{f.line}" for f in findings) == expected(path)
    assert all(f.step == 1 and f.why and f.problem.file == str(path) for f in findings)


def test_every_rule_has_a_bad_example(outreach_home: Path) -> None:
    fired = {item.split("@")[0] for path in BAD for item in expected(path)}
    assert fired == RULES


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_examples_lint_clean(path: Path, outreach_home: Path) -> None:
    assert [str(f) for f in lint_file(path)] == []


def test_without_the_header_the_first_step_needs_an_opt_out_sentence(
    outreach_home: Path, tmp_path: Path
) -> None:
    [finding] = lint_file(GOOD / "minimal.yaml")  # defaults: no header, body "Hi"
    assert (finding.rule, finding.step) == ("no_opt_out", 1)
    assert "unsubscribe_header: true" in finding.why
    with_ps = tmp_path / "ps.yaml"
    with_ps.write_text(
        "name: PS\nsteps:\n  - subject: Frage\n    body: |\n      Hallo,\n\n"
        "      PS: Kein Interesse? Antworten Sie mit „abmelden“.\n", encoding="utf-8")
    with_header = tmp_path / "header.yaml"
    with_header.write_text((GOOD / "minimal.yaml").read_text() + "unsubscribe_header: true\n")
    assert lint_file(with_ps) == [] and lint_file(with_header) == []


def test_lint_sequence_gives_template_lines_for_the_tui(outreach_home: Path) -> None:
    findings = lint_sequence(load_sequence(LINT_DIR / "merge_tags.yaml"))
    assert [(f.rule, f.line, f.problem.file) for f in findings] == [
        ("merge_tag", 1, None), ("merge_tag", 3, None), ("merge_tag", 5, None)]


def test_jinja_and_spintax_are_not_read_as_text() -> None:
    source = '{Hi|Hello} {{ FIRST_NAME | default("KOSTENLOS") }}!'
    text = visible_text(source)
    assert "KOSTENLOS" not in text and "Hello" in text and len(text) == len(source)


def test_user_file_extends_and_ignores(outreach_home: Path, tmp_path: Path) -> None:
    user = tmp_path / "spam_words.yaml"
    user.write_text("de: [Knaller]\nignore: [kostenlos]\n", encoding="utf-8")
    words = load_spam_words(user)
    assert [w for w, _ in words.find("Ein Knaller, kostenlos!")] == ["Knaller"]


def test_user_file_in_config_dir_is_used(outreach_home: Path) -> None:
    from outreach.paths import config_dir

    (config_dir() / "spam_words.yaml").write_text("en: [synergy]\n", encoding="utf-8")
    assert [w for w, _ in load_spam_words().find("Synergy!")] == ["Synergy"]


def test_sequence_check_prints_findings(outreach_home: Path) -> None:
    path = LINT_DIR / "spam_words_de.yaml"
    result = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert f"⚠ {path}:10:22: steps[0].body: spam trigger word “kostenlos”" in result.output
    as_json = CliRunner().invoke(cli, ["sequence", "check", str(path), "--json"])
    lint = json.loads(as_json.output)["lint"]
    assert {(f["rule"], f["line"], f["step"]) for f in lint} >= {("spam_word", 10, 1)}


def test_sequence_check_clean_example_says_so(outreach_home: Path) -> None:
    result = CliRunner().invoke(cli, ["sequence", "check", str(ROOT / "sequences/example-de.yaml")])
    assert result.exit_code == 0 and "⚠" not in result.output, result.output
