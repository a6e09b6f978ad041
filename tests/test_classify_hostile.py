"""Hostile input: mutated real messages never make the classifier raise or give up.

Messages are the public corpora (when present) plus our fixtures, mutated by byte flips,
truncation, header duplication, huge headers, bogus charsets, deep nesting and garbage,
then parsed with ``email.policy.default`` and ``compat32`` alternately. The quick run
mutates ``$OUTREACH_FUZZ_COUNT`` messages (default 500); ``pytest -m slow`` runs 10,000.
Only classify() is timed: the stdlib's own ``default``-policy parser is the slow part.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from outreach.mailbox.classify import (
    Classification,
    classify,
    new_text,
    parse_message,
    split_reply,
)

FIXTURES = Path(__file__).parent / "data" / "classify"
CORPORA = Path(
    os.environ.get("OUTREACH_CORPORA", Path(__file__).resolve().parents[2] / "shared/corpora")
)
QUICK_COUNT = int(os.environ.get("OUTREACH_FUZZ_COUNT", "500"))
SLOW_COUNT = 10_000
CLASSIFY_BUDGET_MS = 20
"""Average classify()+new_text() time allowed per hostile message (shared 2-core CI)."""


def seed_messages() -> list[bytes]:
    """Raw RFC 5322 messages to mutate: fixtures plus the corpora's message files."""
    paths = sorted(FIXTURES.glob("*.eml"))
    for pattern in ("*.eml", "*.msg", "*.txt"):
        paths += sorted(p for p in CORPORA.glob(f"**/{pattern}") if _is_message(p))
    return [path.read_bytes() for path in paths]


def _is_message(path: Path) -> bool:
    return "bounce" in path.parts[-2] or path.suffix in (".eml", ".msg")


def flip_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 40)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def duplicate_header(raw: bytes, rng: random.Random) -> bytes:
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    line = lines[rng.randrange(len(lines))]
    at = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:at] + [line] * rng.randint(2, 60) + lines[at:]) + sep + body


def huge_header(raw: bytes, rng: random.Random) -> bytes:
    # Kept to a few thousand characters: the stdlib's ``default`` policy parser itself
    # takes minutes (quadratic) on a 50 kB Content-Type, before classify() is called.
    name = rng.choice(
        [b"Subject", b"From", b"Content-Type", b"To", b"Date", b"Content-Transfer-Encoding"]
    )
    filler = rng.choice([b"A", b"<", b"=?utf-8?b?", b'"', b"(", b"@", b";x="])
    return name + b": " + filler * rng.randint(200, 2_000) + b"\n" + raw


def bogus_charset(raw: bytes, rng: random.Random) -> bytes:
    charset = rng.choice([b"x-unknown", b"utf-7", b"utf-16", b"\xff\xfe", b"", b"utf-8\x00"])
    return raw.replace(b"charset=", b"charset=" + charset + b";orig=", 3)


def deep_nesting(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.randint(20, 120)
    parts = [
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(depth)
    ]
    return b"From: x@y.z\nSubject: nest\n" + b"".join(parts) + raw


def garbage(raw: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, 4_000))


def strip_blank_line(raw: bytes, rng: random.Random) -> bytes:
    return raw.replace(b"\n\n", b"\n", rng.randint(1, 5))


def line_endings(raw: bytes, rng: random.Random) -> bytes:
    return raw.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\r\r\n"]))


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    flip_bytes,
    truncate,
    duplicate_header,
    huge_header,
    bogus_charset,
    deep_nesting,
    garbage,
    strip_blank_line,
    line_endings,
]


def mutated(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    seeds = seed_messages()
    out = []
    for _ in range(count):
        raw = rng.choice(seeds)
        for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
            raw = mutation(raw, rng)
        out.append(raw)
    return out


def parse(raw: bytes, index: int) -> email.message.Message:
    """Alternate policies; the stdlib ``default`` parser may itself fail (RecursionError on
    nested comments): the watcher then uses ``parse_message`` (compat32), and so do we."""
    if index % 2:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        return parse_message(raw)


def run_fuzz(count: int, seed: int) -> float:
    """Classify ``count`` mutated messages; returns the seconds spent in the classifier."""
    gave_up = []
    spent = 0.0
    for index, raw in enumerate(mutated(count, seed)):
        msg = parse(raw, index)
        started = time.perf_counter()
        result = classify(msg, our_addresses=["rep@seller.example.com"])
        text = new_text(msg)
        spent += time.perf_counter() - started
        assert isinstance(result, Classification)
        assert isinstance(text, str)
        if result.evidence.startswith("unreadable message"):
            gave_up.append((index, result.evidence))
    # The catch-all in classify() is a safety net only: no input should reach it.
    assert gave_up == []
    return spent


def test_mutated_messages_never_raise() -> None:
    spent = run_fuzz(QUICK_COUNT, seed=20261214)
    assert spent / QUICK_COUNT < CLASSIFY_BUDGET_MS / 1000


@pytest.mark.slow
def test_ten_thousand_mutated_messages(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("10,000 mutated messages: run with `pytest -m slow`")
    spent = run_fuzz(SLOW_COUNT, seed=7)
    assert spent / SLOW_COUNT < CLASSIFY_BUDGET_MS / 1000


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\x00" * 10_000,
        ">" * 50_000,
        "On " * 20_000,
        "From: a\n" * 5_000,
        "> " + "\n> ".join(["x"] * 20_000),
        "\ud800 lone surrogate",
    ],
)
def test_split_reply_survives_pathological_text(body: str) -> None:
    started = time.monotonic()
    parts = split_reply(body)
    assert isinstance(parts.body, str)
    assert time.monotonic() - started < 5


def test_empty_message_is_a_reply_without_text() -> None:
    result = classify(email.message_from_bytes(b"", policy=email.policy.default))
    assert result.kind.value == "reply"
    assert result.new_text == ""
