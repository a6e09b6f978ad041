"""Every classifier regex runs in linear time on long runs of what it repeats.

Python's ``re`` backtracks: a pattern whose quantifiers can share the same characters
(``\\s+[\\s\\S]{0,80}?\\s+``, ``(?:\\w+[ .]*){1,6}``, or an unanchored ``[\\w.]+@`` that a
search restarts inside every run) takes quadratic or exponential time on a long run of
those characters. Each pattern of ``outreach/mailbox/classify/`` and each entry of the
shipped ``classify_rules.yaml`` is run here on such runs: every character a quantifier of
the pattern repeats, pairs of them alternating, and both after each literal the pattern
needs (``sent from my `` + ``aaaa…``). At :data:`LENGTH` characters a quadratic pattern
takes seconds; a linear one a few milliseconds.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import time
from collections.abc import Iterator

# re._parser is the stdlib's own pattern parser (sre_parse before 3.11).
from re import _constants as sre  # type: ignore[attr-defined]  # noqa: E402
from re import _parser as sre_parse  # type: ignore[attr-defined]  # noqa: E402

import pytest

import outreach.mailbox.classify as classify_package
from outreach.mailbox.classify import rules as rules_module

LENGTH = 20_000
BOUND_SECONDS = 0.5
"""Per pattern and input; linear patterns take under 40 ms here (2 shared cores)."""

_CATEGORY_SAMPLES = {
    sre.CATEGORY_DIGIT: "1",
    sre.CATEGORY_NOT_DIGIT: "a",
    sre.CATEGORY_SPACE: " \n\t",
    sre.CATEGORY_NOT_SPACE: "a.",
    sre.CATEGORY_WORD: "a_",
    sre.CATEGORY_NOT_WORD: " .@",
}
_NEGATED_SAMPLES = "a1 .-@<>:_#\n\"'()="


def _class_samples(items: list[tuple[object, object]]) -> set[str]:
    found: set[str] = set()
    for op, arg in items:
        if op is sre.NEGATE:
            return set(_NEGATED_SAMPLES)
        if op is sre.LITERAL:
            found.add(chr(arg))  # type: ignore[arg-type]
        elif op is sre.RANGE:
            low, high = arg  # type: ignore[misc]
            found |= {chr(low), chr((low + high) // 2)}
        elif op is sre.CATEGORY:
            found |= set(_CATEGORY_SAMPLES.get(arg, ""))
    return found


def _repeated_chars(tree: object, repeated: bool = False) -> set[str]:
    """Characters that a quantifier of the pattern may match more than once."""
    found: set[str] = set()
    for op, arg in tree:  # type: ignore[attr-defined]
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found |= _repeated_chars(arg[2], repeated or arg[1] > 1)
        elif op is sre.SUBPATTERN:
            found |= _repeated_chars(arg[-1], repeated)
        elif op is sre.BRANCH:
            for branch in arg[1]:
                found |= _repeated_chars(branch, repeated)
        elif op is sre.ATOMIC_GROUP:
            found |= _repeated_chars(arg, repeated)
        elif repeated and op is sre.LITERAL:
            found.add(chr(arg))
        elif repeated and op is sre.IN:
            found |= _class_samples(arg)
        elif repeated and op is sre.ANY:
            found |= {"a", " "}
    return found


def _literals(tree: object) -> list[str]:
    """Runs of literal characters the pattern needs ("sent from my ")."""
    runs, current = [], ""
    for op, arg in tree:  # type: ignore[attr-defined]
        if op is sre.LITERAL:
            current += chr(arg)
            continue
        runs.append(current)
        current = ""
        if op is sre.SUBPATTERN:
            runs += _literals(arg[-1])
        elif op is sre.BRANCH:
            runs += [run for branch in arg[1] for run in _literals(branch)]
    return [run for run in [*runs, current] if len(run) >= 2]


def adversarial_inputs(pattern: re.Pattern[str]) -> Iterator[str]:
    """Long runs of the pattern's repeated characters, alone and after its literals."""
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    chars = sorted(_repeated_chars(tree))[:14]
    runs = [char * LENGTH for char in chars]
    runs += [(a + b) * (LENGTH // 2) for a, b in itertools.permutations(chars, 2)][:24]
    yield from runs
    for literal in _literals(tree)[:3]:
        for run in runs[:10]:
            yield literal + run[: LENGTH - len(literal)] + "\x00"


def classifier_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern of the classifier's modules and of the shipped rules."""
    for info in pkgutil.iter_modules(classify_package.__path__):
        module = importlib.import_module(f"{classify_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            values = value.items() if isinstance(value, dict) else [("", value)]
            for key, item in values:
                if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
                    yield f"{info.name}.{name}{f'[{key}]' if key else ''}", item
    shipped = rules_module._shipped_file()
    for field in rules_module.RuleFile.model_fields:
        for index, phrase in enumerate(getattr(shipped, field)):
            regex = rules_module.phrase_regex(phrase)
            yield f"classify_rules.yaml {field}[{index}] {phrase!r}", re.compile(regex, re.I | re.M)


def test_every_pattern_is_found() -> None:
    names = [name for name, _ in classifier_patterns()]
    assert len(names) > 700  # the rules YAML alone has ~700 entries
    assert "quote_markers._ADDRESS_RE" in names


@pytest.mark.parametrize(
    "pattern", [p for _, p in classifier_patterns()], ids=[n for n, _ in classifier_patterns()]
)
def test_pattern_is_linear_on_long_runs(pattern: re.Pattern[str]) -> None:
    for text in adversarial_inputs(pattern):
        start = time.perf_counter()
        pattern.search(text)
        pattern.match(text)
        elapsed = time.perf_counter() - start
        assert elapsed < BOUND_SECONDS, f"{elapsed:.2f} s on {text[:40]!r}… ({len(text)} chars)"


def test_the_inputs_catch_a_quadratic_pattern() -> None:
    """The check itself: the old, quadratic address pattern fails it."""
    quadratic = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    assert any(_timed(quadratic, text) > BOUND_SECONDS for text in adversarial_inputs(quadratic))


def _timed(pattern: re.Pattern[str], text: str) -> float:
    start = time.perf_counter()
    pattern.search(text)
    return time.perf_counter() - start
