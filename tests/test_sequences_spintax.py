"""Spintax: deterministic per seed, evenly spread, nested, and never confused with Jinja."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from outreach.sequences import SpintaxError, resolve_spintax, spintax_expansion_count
from outreach.sequences.spintax import covering_expansions, mask_spintax, parse_spintax


def test_same_seed_same_text_different_seeds_vary() -> None:
    source = "{Hi|Hello|Hey} there, {quick|short} {question|note}"
    first = resolve_spintax(source, "anna@example.com|0|0")
    assert all(resolve_spintax(source, "anna@example.com|0|0") == first for _ in range(5))
    outputs = {resolve_spintax(source, f"p{i}@example.com") for i in range(200)}
    assert len(outputs) == spintax_expansion_count(source) == 12


def test_choices_are_stable_across_processes() -> None:
    # A fresh interpreter has a different hash() salt: the choice must not depend on it.
    code = ("from outreach.sequences import resolve_spintax as r;"
            "print(r('{a|b|c|d|e|f|g|h} {1|2|3|4|5|6|7|8}', 'bob@x.io'))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert runs == {resolve_spintax("{a|b|c|d|e|f|g|h} {1|2|3|4|5|6|7|8}", "bob@x.io") + "\n"}


def test_choices_are_roughly_uniform() -> None:
    counts = Counter(resolve_spintax("{a|b|c|d}", f"user{i}@example.com") for i in range(4000))
    assert set(counts) == {"a", "b", "c", "d"}
    assert all(850 < n < 1150 for n in counts.values()), counts


def test_nesting() -> None:
    source = "{a|{b|c}}"
    assert spintax_expansion_count(source) == 3
    assert {resolve_spintax(source, str(i)) for i in range(300)} == {"a", "b", "c"}
    assert spintax_expansion_count("x {a|{b|{c|d}}|e} {1|2}") == 10


def test_empty_option_makes_a_word_optional() -> None:
    assert {resolve_spintax("{really |}good", str(i)) for i in range(100)} == {"really good",
                                                                               "good"}


def test_jinja_regions_pass_through_untouched() -> None:
    source = ('{Hi|Hello} {{ first_name | default("there") }}{% if x | length %}|{% endif %}'
              '{# a {comment} #} {{ "}" }} {{ {"k": 1}["k"] }}')
    text = resolve_spintax(source, "seed")
    assert text.split(" ", 1)[1] == ('{{ first_name | default("there") }}{% if x | length %}|'
                                     '{% endif %}{# a {comment} #} {{ "}" }} {{ {"k": 1}["k"] }}')
    assert spintax_expansion_count(source) == 2


def test_jinja_inside_options() -> None:
    source = "{Hi {{ first_name }}|Hello {{ last_name }}}!"
    assert {resolve_spintax(source, str(i)) for i in range(50)} == {
        "Hi {{ first_name }}!", "Hello {{ last_name }}!"}


def test_pipes_outside_groups_are_text() -> None:
    assert resolve_spintax("a | b", "s") == "a | b"
    assert spintax_expansion_count("plain text | no groups") == 1


@pytest.mark.parametrize(("source", "line", "column", "fragment"), [
    ("{a|b", 1, 1, "never closed"),
    ("ok\n  x} y", 2, 4, "unbalanced '}'"),
    ("{a}", 1, 1, "at least two options"),
    ("{}", 1, 1, "at least two options"),
    ("line\n\n  {a|{b|c}", 3, 3, "never closed"),
    ("{a|b}}", 1, 6, "unbalanced '}'"),
])
def test_broken_spintax_names_line_and_column(source: str, line: int, column: int,
                                              fragment: str) -> None:
    with pytest.raises(SpintaxError) as caught:
        parse_spintax(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert fragment in caught.value.message


def test_mask_keeps_length_lines_and_all_options() -> None:
    source = "{Hi|Hello}\n{{ a }} {x {{ b }}|y}"
    masked = mask_spintax(source)
    assert len(masked) == len(source) and masked.count("\n") == 1
    assert masked == " Hi Hello \n{{ a }}  x {{ b }} y "


def test_covering_expansions_use_every_option() -> None:
    texts = covering_expansions("{a|{b|c}} {1|2|3|4}")
    words = {part for text in texts for part in text.split()}
    assert words == {"a", "b", "c", "1", "2", "3", "4"}
    assert len(texts) == 4


@pytest.mark.parametrize("jinja", ['{{ {"a": {"b": 1}}["a"]["b"] }}', '{{ "}}" }}',
                                   "{# {x|y} }} #}", '{% set d = {"k": "}"} %}'])
def test_braces_and_strings_inside_jinja_are_not_spintax(jinja: str) -> None:
    assert resolve_spintax("{a|b}" + jinja, "s")[1:] == jinja
    assert spintax_expansion_count("{a|b}" + jinja) == 2
