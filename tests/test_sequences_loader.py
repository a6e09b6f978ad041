"""Loading good sequence files: the domain values, defaults, snapshots and hashes."""

from __future__ import annotations

import json
import tomllib
from datetime import time, timedelta
from pathlib import Path

import pytest

from outreach.errors import ValidationFailed
from outreach.sequences import (
    STANDARD_FIELDS,
    Pace,
    Schedule,
    StopPolicy,
    Wait,
    from_snapshot,
    load_sequence,
    load_sequence_text,
    sequence_hash,
    to_snapshot,
)

ROOT = Path(__file__).parent.parent
GOOD = Path(__file__).parent / "data" / "sequences" / "good"
EXAMPLES = sorted((ROOT / "sequences").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_load_cleanly_with_standard_fields(path: Path) -> None:
    sequence = load_sequence(path, fields=STANDARD_FIELDS)
    assert len(sequence.steps) == (4 if "tasks" in path.name else 3)
    assert path.read_text().startswith("# yaml-language-server: $schema=./schema.json\n")


def test_there_are_english_and_german_examples() -> None:
    assert {p.name for p in EXAMPLES} >= {"example-en.yaml", "example-de.yaml"}
    english = load_sequence(ROOT / "sequences" / "example-en.yaml")
    assert len(english.steps[0].variants) == 2


def test_german_example_is_polite_and_free_of_spam_words() -> None:
    text = (ROOT / "sequences" / "example-de.yaml").read_text(encoding="utf-8").lower()
    for word in ("kostenlos", "garantiert", "gratis", "!!!", " du ", " dich ", " dein"):
        assert word not in text
    assert "mit freundlichen grüßen" in text and " sie " in text


def test_minimal_file_gets_defaults() -> None:
    sequence = load_sequence(GOOD / "minimal.yaml")
    assert sequence.schedule == Schedule("UTC", frozenset(range(5)), time(9), time(17), None)
    assert sequence.pace == Pace(40, timedelta(seconds=90), timedelta(minutes=6), None)
    assert sequence.stop == StopPolicy(True, True, "ignore")
    step = sequence.steps[0]
    assert (step.index, step.wait, step.new_thread) == (0, Wait(), True)
    assert step.variants[0].subject == 'Hello {{ first_name | default("there") }}'
    assert sequence.unsubscribe_header is False


def test_full_file_maps_every_field() -> None:
    sequence = load_sequence(GOOD / "full.yaml")
    assert sequence.name == "Full"
    assert sequence.schedule.days == frozenset({0, 1, 2, 3, 4})
    assert (sequence.schedule.start, sequence.schedule.end) == (time(0), time.max)
    assert sequence.schedule.lunch == (time(12), time(13))
    assert sequence.pace == Pace(25, timedelta(seconds=45), timedelta(seconds=45), 2)
    assert sequence.stop == StopPolicy(True, False, "stop")
    waits = [step.wait for step in sequence.steps]
    assert waits == [Wait(), Wait(timedelta(seconds=45)), Wait(business_days=3),
                     Wait(timedelta(minutes=90)), Wait(timedelta(days=2))]
    assert [len(s.variants) for s in sequence.steps] == [1, 1, 3, 2, 1]
    assert [s.new_thread for s in sequence.steps] == [True, False, False, True, False]
    assert sequence.steps[0].variants[0].html == "<p>Hi {{ first_name | default('there') }}</p>"
    assert sequence.steps[1].variants[0].subject is None
    assert sequence.unsubscribe_header is True


def test_schedule_is_open_respects_window_and_lunch() -> None:
    schedule = load_sequence(GOOD / "full.yaml").schedule
    assert schedule.is_open(time(0)) and schedule.is_open(time(23, 59, 59))
    assert not schedule.is_open(time(12, 30)) and schedule.is_open(time(13))
    office = Schedule("UTC", frozenset({0}), time(9), time(17), None)
    assert not office.is_open(time(8, 59)) and not office.is_open(time(17))


def test_auto_reply_pause_and_false() -> None:
    base = "name: x\nsteps:\n  - subject: s\n    body: b\nstop:\n  on_auto_reply: "
    assert load_sequence_text(base + "pause").stop.on_auto_reply == "pause"
    assert load_sequence_text(base + "false").stop.on_auto_reply == "ignore"


def test_snapshot_round_trips_and_is_json() -> None:
    for path in [*EXAMPLES, GOOD / "full.yaml", GOOD / "minimal.yaml"]:
        sequence = load_sequence(path)
        snapshot = json.loads(json.dumps(to_snapshot(sequence)))
        assert from_snapshot(snapshot) == sequence
        assert sequence_hash(from_snapshot(snapshot)) == sequence_hash(sequence)


def test_snapshot_is_itself_a_loadable_sequence_file() -> None:
    sequence = load_sequence(GOOD / "full.yaml")
    text = json.dumps(to_snapshot(sequence))  # JSON is YAML
    assert load_sequence_text(text, "snapshot.json") == sequence


def test_hash_is_stable_and_changes_with_content() -> None:
    sequence = load_sequence(GOOD / "minimal.yaml")
    assert sequence_hash(sequence) == sequence_hash(load_sequence(GOOD / "minimal.yaml"))
    assert len(sequence_hash(sequence)) == 64
    changed = load_sequence_text((GOOD / "minimal.yaml").read_text().replace("Hi", "Hey"))
    assert sequence_hash(changed) != sequence_hash(sequence)


def test_bad_snapshot_raises_validation_failed_with_path() -> None:
    snapshot = to_snapshot(load_sequence(GOOD / "minimal.yaml"))
    snapshot["steps"][0]["wait"] = "soon"
    with pytest.raises(ValidationFailed) as caught:
        from_snapshot(snapshot)
    assert "steps[0].wait: 'soon' is not a duration" in str(caught.value)


def test_missing_file_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="cannot read sequence file"):
        load_sequence(GOOD / "does-not-exist.yaml")


def test_all_problems_of_a_file_are_reported_together() -> None:
    text = ("name: many\nschedule:\n  timezone: Mars/Olympus\n  hours: '9-5'\n"
            "steps:\n  - subject: s\n    body: b\n  - wait: 2 fortnights\n    body: c\n")
    with pytest.raises(ValidationFailed) as caught:
        load_sequence_text(text, "many.yaml")
    assert [p.split(":")[1] for p in caught.value.problems] == ["3", "4", "8"]


def test_template_lines_map_into_block_and_quoted_scalars() -> None:
    text = ('name: lines\nsteps:\n  - subject: "Hi {{ Company }}"\n    body: |\n'
            "      one\n      two {{ comapny }}\n")
    with pytest.raises(ValidationFailed) as caught:
        load_sequence_text(text, "lines.yaml", fields=STANDARD_FIELDS)
    subject, body = caught.value.problems
    assert subject.startswith("lines.yaml:3:21: steps[0].subject: unknown merge field `Company`")
    assert body.startswith("lines.yaml:6:14:")
    assert "did you mean `company`?" in body


def test_examples_ship_in_the_package() -> None:
    """``outreach sequence new --example de`` prints the shipped file (the repo's
    ``sequences/`` links to the same one); package-data includes it; no name lists them."""
    from fnmatch import fnmatch

    from click.testing import CliRunner

    from outreach.cli import cli
    from outreach.sequences.examples import examples

    assert [e.name for e in examples()] == ["de", "de-tasks", "en"]
    runner = CliRunner()
    german = runner.invoke(cli, ["sequence", "new", "--example", "de"])
    assert german.exit_code == 0
    assert german.stdout == (ROOT / "sequences" / "example-de.yaml").read_text(encoding="utf-8")
    assert load_sequence_text(german.stdout).name == "Geschäftsführer DACH (Beispiel)"
    for listing in (runner.invoke(cli, ["sequence", "new"]),
                    runner.invoke(cli, ["sequence", "new", "--example"])):
        assert listing.exit_code == 0
        assert "de-tasks Anruf nach der ersten E-Mail (Beispiel)" in listing.stdout
        assert "de       Geschäftsführer DACH (Beispiel)" in listing.stdout
        assert "en       Q1 founders (example)" in listing.stdout
    unknown = runner.invoke(cli, ["sequence", "new", "--example", "fr"])
    assert unknown.exit_code == 3 and "there are de, de-tasks, en" in unknown.output

    with open(ROOT / "pyproject.toml", "rb") as f:
        patterns = tomllib.load(f)["tool"]["setuptools"]["package-data"]["outreach"]
    for shipped in (ROOT / "outreach" / "data" / "sequences").glob("*.yaml"):
        inside = shipped.relative_to(ROOT / "outreach").parts  # setuptools: '*' stops at '/'
        assert any(len(p.split("/")) == len(inside)
                   and all(map(fnmatch, inside, p.split("/"))) for p in patterns), inside
