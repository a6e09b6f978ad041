"""The shared wait helper: returns what it waited for, fails naming it and the last value."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.polling import TimedOut, still_running, until, until_sync


def test_until_sync_returns_the_first_accepted_value() -> None:
    counter = itertools.count()
    assert until_sync(lambda: next(counter), 5, what="3", ok=lambda n: n == 3, step=0) == 3


def test_until_sync_fails_naming_what_and_the_last_value() -> None:
    with pytest.raises(TimedOut, match=r"waiting for the answer; last value: 41") as failure:
        until_sync(lambda: 41, 0.05, what="the answer", ok=lambda n: n == 42)
    assert isinstance(failure.value, AssertionError) and isinstance(failure.value, TimeoutError)


def test_the_guard_stops_the_wait_at_once() -> None:
    def dead() -> None:
        raise RuntimeError("the daemon exited")

    with pytest.raises(RuntimeError, match="the daemon exited"):
        until_sync(lambda: False, 30, what="never", guard=dead)


async def test_until_fails_naming_what_and_the_last_value() -> None:
    with pytest.raises(TimedOut, match=r"waiting for an empty queue; last value: \[1\]"):
        await until(lambda: [1], 0.05, what="an empty queue", ok=lambda items: not items)


async def test_the_deadline_bounds_a_pause_that_hangs() -> None:
    forever = asyncio.Event()
    with pytest.raises(TimedOut, match="a pause that hangs"):
        await until(lambda: False, 0.05, what="a pause that hangs", pause=forever.wait)


async def test_a_crashed_task_fails_the_wait_with_its_exception() -> None:
    async def crash() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(crash())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="boom"):
        await until(lambda: False, 30, what="never", guard=still_running(task))


async def test_a_task_that_ended_quietly_is_named() -> None:
    task = asyncio.create_task(asyncio.sleep(0), name="watcher")
    await task
    with pytest.raises(AssertionError, match="watcher stopped on its own"):
        await until(lambda: False, 30, what="never", guard=still_running(task))


async def test_a_timeout_inside_the_probe_is_not_taken_for_the_deadline() -> None:
    def probe() -> bool:
        raise TimeoutError("the IMAP server did not answer")

    with pytest.raises(TimeoutError, match="IMAP server") as failure:
        await until(probe, 30, what="never")
    assert not isinstance(failure.value, TimedOut)
