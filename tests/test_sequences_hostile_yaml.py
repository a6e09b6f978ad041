"""Hostile sequence files are refused quickly, naming file, line and what to do."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from outreach.errors import ValidationFailed
from outreach.sequences.check import check_sequence_file
from outreach.sequences.loader import load_sequence
from outreach.sequences.preflight import KnownFields
from outreach.sequences.yamlsource import MAX_CHARS, MAX_STEPS


def alias_bomb(levels: int = 9) -> str:
    """The "billion laughs": each level lists the previous one nine times."""
    lines = ["name: bomb", 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\nsteps: []\n"


def test_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    report = check_sequence_file(path, KnownFields(frozenset()))
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 2 and peak < 20_000_000
    (problem,) = report.problems
    assert f"{path}:3:" in str(problem) and "aliases are not allowed" in str(problem)
    assert "anchor" in (problem.hint or "")


def test_a_single_alias_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("name: a\nx: &x hello\nsteps:\n  - subject: *x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"alias\.yaml:4:.*aliases are not allowed"):
        load_sequence(path)


def test_huge_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\n# " + "x" * MAX_CHARS + "\n", encoding="utf-8")
    (problem,) = check_sequence_file(path, KnownFields(frozenset())).problems
    assert f"{path}:1:" in str(problem) and f"{MAX_CHARS:,} characters" in str(problem)


def test_too_many_steps_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    steps = "".join(f"  - subject: s{i}\n    body: b\n" for i in range(MAX_STEPS + 1))
    path.write_text(f"name: long\nsteps:\n{steps}", encoding="utf-8")
    (problem,) = check_sequence_file(path, KnownFields(frozenset())).problems
    assert f"{path}:2:" in str(problem) and f"limit of {MAX_STEPS}" in str(problem)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: d\nx: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (problem,) = check_sequence_file(path, KnownFields(frozenset())).problems
    assert "nested too deeply" in str(problem)
