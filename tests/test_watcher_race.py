"""Replies racing scheduled follow-ups, against the real stack.

For each prospect a reply is put into the rep's INBOX (IMAP APPEND: the moment it is in
the INBOX is known exactly) at a random moment around its follow-up's due time, while the
engine and the watcher run. A follow-up that *started* (``Send.last_attempt_at``, set
right before the SMTP transaction) 1 s or more after its prospect's reply was in the
INBOX is a violation; there must be none. ``bench/race_followups.py`` runs ≥ 200 trials.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.engine.config import EngineConfig
from outreach.services import inbox_watcher
from outreach.store import session_scope
from outreach.store.models import InboundMessage, Prospect, Send, as_utc
from outreach.watcher import WatcherConfig
from tests.fixtures.mailstack import MailStack
from tests.test_watcher_support import Services, reply_to, stack_campaign, unique_local

pytestmark = [pytest.mark.mailstack, pytest.mark.slow]

GRACE = timedelta(seconds=1)


@dataclass(frozen=True)
class Trial:
    """One prospect: when its reply was in the INBOX and what became of its follow-up."""

    prospect: str
    reply_at: datetime
    due_at: datetime
    follow_up: str  # sent | cancelled
    started_at: datetime | None

    @property
    def lead(self) -> float | None:
        """Seconds the reply was in the INBOX before the follow-up started (sent only)."""
        if self.started_at is None:
            return None
        return (self.started_at - self.reply_at).total_seconds()

    @property
    def late_catch(self) -> bool:
        """Cancelled although the reply came after the follow-up was due."""
        return self.follow_up == "cancelled" and self.reply_at > self.due_at

    @property
    def violation(self) -> bool:
        return (
            self.follow_up == "sent"
            and self.started_at is not None
            and (self.started_at >= self.reply_at + GRACE)
        )


class Injector:
    """Appends replies to the rep's INBOX over one IMAP connection (in a thread)."""

    def __init__(self, stack: MailStack, rep: str) -> None:
        self.client = stack.imap_client(rep, "rep-secret")
        self.lock = threading.Lock()

    def append(self, raw: bytes) -> datetime:
        with self.lock:
            self.client.append("INBOX", raw)
            return datetime.now(UTC)

    def close(self) -> None:
        self.client.logout()


def steps(db: Engine, index: int) -> dict[str, Send]:
    """Each prospect's send of step ``index`` (one query)."""
    with Session(db) as session:
        rows = session.exec(
            select(Send, Prospect.email)
            .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
            .where(Send.step_index == index)
        ).all()
    return {email: send for send, email in rows}


class Race:
    """Schedules each prospect's reply once its follow-up is queued."""

    def __init__(self, db: Engine, injector: Injector, rep: str, offsets: dict[str, float]) -> None:
        self.db, self.injector, self.rep, self.offsets = db, injector, rep, offsets
        self.first_ids = {p: send.message_id for p, send in steps(db, 0).items()}
        self.tasks: dict[str, asyncio.Task[datetime]] = {}

    def dispatch(self) -> bool:
        """Start an injection for each newly queued follow-up; True when all are started."""
        for prospect, send in steps(self.db, 1).items():
            if prospect not in self.tasks:
                at = as_utc(send.due_at) + timedelta(seconds=self.offsets[prospect])
                self.tasks[prospect] = asyncio.create_task(self._inject(prospect, at))
        return len(self.tasks) == len(self.offsets)

    async def _inject(self, prospect: str, at: datetime) -> datetime:
        await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))
        raw = reply_to(prospect, self.rep, in_reply_to=self.first_ids[prospect]).as_bytes()
        return await asyncio.to_thread(self.injector.append, raw)

    async def reply_times(self) -> dict[str, datetime]:
        times = await asyncio.gather(*self.tasks.values())
        return dict(zip(self.tasks, times, strict=True))


def stagger_first_emails(db: Engine, spread: float) -> None:
    start = datetime.now(UTC) + timedelta(seconds=1)
    with session_scope(db) as session:
        sends = session.exec(select(Send).where(Send.step_index == 0).order_by(col(Send.id)))
        for n, send in enumerate(sends):
            send.due_at = start + timedelta(seconds=n * spread)
            session.add(send)


def settled(db: Engine, prospects: list[str]) -> bool:
    """Every reply processed and every follow-up sent or cancelled."""
    with Session(db) as session:
        replied = set(session.exec(select(InboundMessage.from_addr)))
    follow_ups = steps(db, 1)
    return all(
        p in replied and p in follow_ups and follow_ups[p].state in ("sent", "cancelled")
        for p in prospects
    )


async def run_race(
    stack: MailStack,
    home: Path,
    *,
    trials: int,
    seed: int = 7,
    wait: str = "3s",
    offsets: tuple[float, float] = (-1.0, 1.5),
    spread: float = 0.25,
    watcher_config: WatcherConfig | None = None,
) -> list[Trial]:
    """Run ``trials`` prospects through a two-step campaign with racing replies.

    First emails are due ``spread`` seconds apart, slower than the engine sends, so each
    follow-up starts close to its due time and the replies land on both sides of it.
    """
    prospects = [f"{unique_local('race')}@prospects.test" for _ in range(trials)]
    for prospect in prospects:
        stack.add_user(prospect, "x")
    db, rep = stack_campaign(stack, home, prospects, wait=wait, name="race")
    stagger_first_emails(db, spread)
    rng = random.Random(seed)
    injector = Injector(stack, rep)
    race = Race(db, injector, rep, {p: rng.uniform(*offsets) for p in prospects})
    watcher = inbox_watcher(db, watcher_config or WatcherConfig(poll_interval=5.0))
    engine_config = EngineConfig(poll_interval=0.5, in_doubt_retry=0.5)
    try:
        async with Services(db, engine_config, watcher) as services:
            await services.until(race.dispatch, 60 + trials, what="every follow-up queued", step=0.05)
            reply_times = await race.reply_times()
            await services.until(
                lambda: settled(db, prospects), 60 + trials, what="every prospect settled", step=0.2
            )
    finally:
        await asyncio.to_thread(injector.close)
    follow_ups = steps(db, 1)
    return [_trial(follow_ups[p], p, reply_times[p]) for p in prospects]


def _trial(send: Send, prospect: str, reply_at: datetime) -> Trial:
    started = as_utc(send.last_attempt_at) if send.last_attempt_at else None
    return Trial(prospect, reply_at, as_utc(send.due_at), send.state, started)


async def test_no_follow_up_after_a_reply_was_in_the_inbox(
    mailstack: MailStack, outreach_home: Path
) -> None:
    trials = await run_race(mailstack, outreach_home, trials=24)
    assert [t for t in trials if t.violation] == []
    outcomes = {t.follow_up for t in trials}
    assert outcomes == {"sent", "cancelled"}, "the offsets should put replies on both sides"
