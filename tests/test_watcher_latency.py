"""Reply latency against the real stack: from Postfix accepting a reply to the enrollment
being ``replied`` in the database, with IDLE and with polling.

``bench/reply_latency.py`` runs :func:`measure_reply_latency` with ≥ 50 replies.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from outreach.services import inbox_watcher
from outreach.store import session_scope
from outreach.store.models import Prospect, Send, utcnow
from outreach.watcher import WatcherConfig
from tests.fixtures.mailstack import REP2, MailStack
from tests.polling import until
from tests.test_watcher_support import reply_to, stack_campaign, states, unique_local

pytestmark = pytest.mark.mailstack


def mark_first_steps_sent(db: Engine) -> dict[str, str]:
    """Pretend the first emails went out (nothing is sent): prospect → Message-ID."""
    found: dict[str, str] = {}
    query = select(Send, Prospect.email).join(Prospect, col(Prospect.id) == col(Send.prospect_id))
    with session_scope(db) as session:
        for send, email in session.exec(query):
            send.state, send.sent_at = "sent", utcnow()
            session.add(send)
            found[email] = send.message_id
    return found


async def measure_reply_latency(
    stack: MailStack,
    home: Path,
    *,
    replies: int,
    idle: bool,
    poll_interval: float,
    spacing: tuple[float, float] = (0.1, 0.4),
    seed: int = 1,
) -> list[float]:
    """Seconds from each reply's SMTP submission returning to its enrollment being replied.

    Replies go one at a time, ``spacing`` seconds apart (random; when polling, spread it
    over the interval so replies do not all land just before a poll).
    """
    prospects = [f"{unique_local('lat')}@prospects.test" for _ in range(replies)]
    db, rep = stack_campaign(stack, home, prospects, name=f"latency-{idle}")
    message_ids = mark_first_steps_sent(db)
    watcher = inbox_watcher(db, WatcherConfig(idle=idle, poll_interval=poll_interval))
    task = asyncio.create_task(watcher.run())
    rng = random.Random(seed)
    latencies: list[float] = []
    try:
        await until(lambda: any(w.idle_capable for w in watcher.watches.values()), 10,
                    what="the watcher in IDLE")
        await asyncio.sleep(0.5)  # a bench pause, not a wait: let the doorbell settle in IDLE
        async with stack.smtp_client(REP2.address, REP2.password) as smtp:
            for prospect in prospects:
                await asyncio.sleep(rng.uniform(*spacing))
                message = reply_to(prospect, rep, in_reply_to=message_ids[prospect])
                await smtp.send_message(message)
                accepted = time.perf_counter()
                await until(
                    lambda p=prospect: states(db)[p][0],  # type: ignore[misc]
                    poll_interval + 10,
                    what=f"{prospect} replied",
                    ok=lambda state: state == "replied",
                    step=0.005,
                )
                latencies.append(time.perf_counter() - accepted)
    finally:
        watcher.stop()
        await asyncio.wait_for(task, 15)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def test_idle_latency(mailstack: MailStack, outreach_home: Path) -> None:
    latencies = await measure_reply_latency(
        mailstack, outreach_home, replies=8, idle=True, poll_interval=60.0
    )
    assert percentile(latencies, 0.95) < 1.5, latencies
    assert statistics.median(latencies) < 1.0, latencies


async def test_polling_latency(mailstack: MailStack, outreach_home: Path) -> None:
    latencies = await measure_reply_latency(
        mailstack, outreach_home, replies=4, idle=False, poll_interval=1.0, spacing=(0.0, 1.0)
    )
    assert max(latencies) < 1.0 + 1.0, latencies
