"""Waiting in tests: look at a condition until it holds, or fail at a deadline.

The one way tests and harnesses wait for something to happen (never ``sleep`` and hope):

    await until(lambda: count_sends(db), 30, what="9 sends", ok=lambda n: n == 9)
    until_sync(harness.sent_count, 60, what="every send", ok=lambda n: n >= expected)

``probe()`` returns what is being watched; ``ok(value)`` says whether it is there yet
(``bool`` by default, so a predicate alone works too). Past the deadline the wait raises
``TimedOut``, naming what it waited for and the value it saw last.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["TimedOut", "still_running", "until", "until_sync"]

T = TypeVar("T")

STEP = 0.02  # seconds between two looks


class TimedOut(AssertionError, TimeoutError):
    """A condition did not hold by its deadline: a test failure, and a ``TimeoutError``."""


class _NotLooked:
    def __repr__(self) -> str:
        return "(no look finished)"


def _failure(what: str, deadline: float, last: object) -> TimedOut:
    return TimedOut(f"gave up after {deadline:g} s waiting for {what}; last value: {last!r}")


async def until(
    probe: Callable[[], T],
    deadline: float,
    *,
    what: str,
    ok: Callable[[T], object] = bool,
    guard: Callable[[], object] | None = None,
    pause: Callable[[], Awaitable[object]] | None = None,
    step: float = STEP,
) -> T:
    """Look at ``probe()`` until ``ok`` accepts its value; return that value.

    ``guard()`` runs after each look that failed and raises to stop at once (a crashed
    task).
    ``pause()`` replaces the ``step``-second sleep between looks (a Textual pilot's
    pause). The deadline (seconds) bounds the pauses too. Raises ``TimedOut``.
    """
    last: object = _NotLooked()
    scope = asyncio.timeout(deadline)
    try:
        async with scope:
            while True:
                value = last = probe()
                if ok(value):
                    return value
                if guard is not None:
                    guard()
                await (pause() if pause is not None else asyncio.sleep(step))
    except TimeoutError:
        if not scope.expired():
            raise  # not our deadline: a nested wait or the probe timed out
        raise _failure(what, deadline, last) from None


def until_sync(
    probe: Callable[[], T],
    deadline: float,
    *,
    what: str,
    ok: Callable[[T], object] = bool,
    guard: Callable[[], object] | None = None,
    step: float = STEP,
) -> T:
    """``until`` for blocking code (subprocess harnesses, IMAP clients): same contract,
    without ``pause``. Raises ``TimedOut``."""
    end = time.monotonic() + deadline
    while True:
        value = probe()
        if ok(value):
            return value
        if guard is not None:
            guard()
        left = end - time.monotonic()
        if left <= 0:
            raise _failure(what, deadline, value)
        time.sleep(min(step, left))


def still_running(*tasks: asyncio.Task[Any]) -> Callable[[], None]:
    """A ``guard`` that stops the wait when one of ``tasks`` ended: with its exception if
    it raised, else with an ``AssertionError`` naming it."""

    def check() -> None:
        for task in tasks:
            if task.done():
                task.result()
                raise AssertionError(f"{task.get_name()} stopped on its own")

    return check
