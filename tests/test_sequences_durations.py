"""Durations, gaps, sending windows, weekday names and timezones as people write them."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from outreach.sequences import Wait, format_duration, format_wait, parse_gap, parse_wait
from outreach.sequences.problems import FieldError
from outreach.sequences.schedule_values import (
    check_timezone,
    format_window,
    parse_days,
    parse_window,
)
from outreach.sequences.schema import sequence_json_schema

PLAIN = [
    ("45s", timedelta(seconds=45)), ("10m", timedelta(minutes=10)), ("4h", timedelta(hours=4)),
    ("2d", timedelta(days=2)), ("1w", timedelta(weeks=1)), ("2 days", timedelta(days=2)),
    ("1 week", timedelta(weeks=1)), ("1h 30m", timedelta(minutes=90)),
    ("1 hour, 5 minutes", timedelta(minutes=65)), ("3 Tage", timedelta(days=3)),
    ("2 Wochen", timedelta(weeks=2)), ("90 Sekunden", timedelta(seconds=90)),
    ("1s", timedelta(seconds=1)), ("400d", timedelta(days=400)),
]


@pytest.mark.parametrize(("text", "amount"), PLAIN)
def test_plain_durations(text: str, amount: timedelta) -> None:
    assert parse_wait(text) == Wait(amount=amount)


@pytest.mark.parametrize(("text", "days"), [
    ("3 business days", 3), ("1 business day", 1), ("5bd", 5), ("2 Werktage", 2),
    ("1 Werktag", 1), ("3  Business   Days", 3), ("4 workdays", 4),
])
def test_business_days(text: str, days: int) -> None:
    wait = parse_wait(text)
    assert wait == Wait(business_days=days) and wait.amount == timedelta(0)


@pytest.mark.parametrize("value", [None, 0, "0", "0s", "0 days"])
def test_zero_waits(value: str | int | None) -> None:
    assert parse_wait(value).is_zero


@pytest.mark.parametrize(("value", "fragment"), [
    ("3 bizdays", "business days"), ("3", "has no unit"), (3, "has no unit"),
    ("1.5h", "90m instead"), ("-2d", "negative"), ("soon", "not a duration"),
    ("3 dayz", "`day`"), ("2d 3 business days", "not a duration"), (True, "has no unit"),
])
def test_bad_durations_explain_the_accepted_forms(value: object, fragment: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_wait(value)  # type: ignore[arg-type]
    text = f"{caught.value} {caught.value.hint}"
    assert fragment in text
    assert "45s, 10m, 4h, 2d, 1w" in text or "90m" in text


def test_gap_range_and_fixed() -> None:
    assert parse_gap("90s-6m") == (timedelta(seconds=90), timedelta(minutes=6))
    assert parse_gap("2m") == (timedelta(minutes=2), timedelta(minutes=2))
    assert parse_gap(" 1m - 2m ") == (timedelta(minutes=1), timedelta(minutes=2))
    with pytest.raises(FieldError, match="shorter pause comes first"):
        parse_gap("6m-90s")


@pytest.mark.parametrize("wait", [Wait(), Wait(timedelta(seconds=90)), Wait(business_days=3),
                                  Wait(timedelta(days=14)), Wait(timedelta(seconds=3601))])
def test_format_wait_round_trips(wait: Wait) -> None:
    assert parse_wait(format_wait(wait)) == wait


def test_format_duration_picks_the_largest_exact_unit() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (0, 90, 360, 7200, 172800, 604800)] \
        == ["0s", "90s", "6m", "2h", "2d", "1w"]


def test_schema_pattern_accepts_every_valid_wait() -> None:
    pattern = sequence_json_schema()["$defs"]["StepDoc"]["properties"]["wait"]["pattern"]
    for text in [t for t, _ in PLAIN] + ["3 business days", "2 Werktage", "0"]:
        assert re.match(pattern, text), text


def test_windows() -> None:
    assert parse_window("09:00-17:00") == (time(9), time(17))
    assert parse_window("0:00-24:00") == (time(0), time.max)
    assert format_window(parse_window("00:00-24:00")) == "00:00-24:00"
    for bad, fragment in [("9-17", "is not a time"), ("17:00-09:00", "ends before it starts"),
                          ("09:00-24:30", "not a time of day"), ("0900", "not a time window")]:
        with pytest.raises(FieldError, match=fragment):
            parse_window(bad)


def test_days_in_english_and_german() -> None:
    assert parse_days(["mon", "Tue", "Wednesday"]) == frozenset({0, 1, 2})
    assert parse_days(["mo", "di", "mi", "do", "fr", "sa", "so"]) == frozenset(range(7))
    assert parse_days(["Montag", "sonntag"]) == frozenset({0, 6})
    with pytest.raises(FieldError) as caught:
        parse_days(["thrusday"])
    assert "thursday" in str(caught.value.hint)
    with pytest.raises(FieldError, match="no sending days"):
        parse_days([])


@pytest.mark.parametrize(("name", "suggested"), [
    ("Europe/Berln", "Europe/Berlin"), ("berlin", "Europe/Berlin"),
    ("New York", "America/New_York"), ("europe/vienna", "Europe/Vienna"),
])
def test_bad_timezones_suggest_close_iana_names(name: str, suggested: str) -> None:
    with pytest.raises(FieldError) as caught:
        check_timezone(name)
    assert f"`{suggested}`" in str(caught.value.hint)


def test_good_timezones() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    assert check_timezone("UTC") == "UTC"
