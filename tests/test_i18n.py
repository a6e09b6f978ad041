"""Choosing the language and formatting numbers and dates per locale (issue 21)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from outreach import i18n
from outreach.cli import language_of


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        (None, {}, "en"),
        (None, {"LANG": "de_DE.UTF-8"}, "de"),
        (None, {"LANG": "de_AT.UTF-8"}, "de"),
        (None, {"LC_MESSAGES": "de_CH", "LANG": "en_US.UTF-8"}, "de"),
        (None, {"LC_ALL": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, "en"),
        (None, {"OUTREACH_LANG": "de", "LC_ALL": "en_US.UTF-8"}, "de"),
        ("en", {"OUTREACH_LANG": "de", "LANG": "de_DE.UTF-8"}, "en"),
        ("de-AT", {}, "de"),
        ("xx", {"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_language_precedence(explicit: str | None, environ: dict[str, str], expected: str) -> None:
    """--lang, then OUTREACH_LANG, then LC_ALL/LC_MESSAGES/LANG; English for anything else."""
    assert i18n.choose(explicit, environ) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "de", "status"], "de"),
        (["--lang=de", "status"], "de"),
        (["status", "--json"], "en"),
        (["daemon", "--log-format", "json"], "en"),
        (["daemon", "--log-format=json"], "en"),
        (["sequence", "check", "x.yaml"], "de"),
        (["sequence", "check", "--", "--json"], "de"),
    ],
)
def test_machine_output_speaks_english(argv: list[str], expected: str) -> None:
    """A command asked for JSON prints the same bytes whatever the locale."""
    assert language_of(argv, {"LANG": "de_DE.UTF-8"}) == expected


def test_numbers_and_dates_follow_the_locale() -> None:
    with i18n.language("de"):
        assert i18n.percent(1 / 3) == "33,3\xa0%"
        assert i18n.number(1234) == "1.234"
        assert i18n.day(date(2026, 12, 7)) == "Mo., 7. Dez."
        assert i18n.day_time(datetime(2026, 12, 7, 9, 30)) == "Mo., 7. Dez., 09:30"
        assert i18n.full_date(date(2026, 12, 7)) == "07.12.2026"
    with i18n.language("en"):
        assert i18n.percent(1 / 3) == "33.3%"
        assert i18n.number(1234) == "1,234"
        assert i18n.day(date(2026, 12, 7)) == "Mon, Dec 7"
        assert i18n.full_date(date(2026, 12, 7)) == "Dec 7, 2026"


def test_language_block_restores_the_language_before() -> None:
    i18n.use("de")
    with i18n.language("en"):
        assert i18n.current() == "en"
    assert i18n.current() == "de"
