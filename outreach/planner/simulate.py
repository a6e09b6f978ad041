"""``campaign plan``: the projected schedule, on a virtual clock, by the engine's own rules.

Each mailbox is simulated on its own (mailboxes send in parallel): at every moment the
pacer says whether the earliest-due send may leave; sent steps make the next step of the
same prospect due after its wait. Gaps are drawn from a seeded RNG, so a plan is
reproducible; the real engine draws its own, so real times differ by the gaps' jitter.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from outreach.planner.pacing import Candidate, MailboxPacer, random_gap
from outreach.planner.windows import after_wait
from outreach.sequences.model import Step


@dataclass(frozen=True)
class PlanItem:
    """An enrollment's next step: ``candidate`` carries when it is due and its rules."""

    enrollment: Hashable
    mailbox: str
    step_index: int
    candidate: Candidate
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class PlannedSend:
    enrollment: Hashable
    mailbox: str
    step_index: int
    at: datetime


def simulate(
    items: Iterable[PlanItem],
    pacers: dict[str, MailboxPacer],
    start: datetime,
    until: datetime,
    seed: int = 0,
) -> list[PlannedSend]:
    """Every send that would leave in [start, until), in time order."""
    by_mailbox: dict[str, list[PlanItem]] = {}
    for item in items:
        by_mailbox.setdefault(item.mailbox, []).append(item)
    planned: list[PlannedSend] = []
    for mailbox, queue in by_mailbox.items():
        rng = random.Random(f"{seed}|{mailbox}")
        planned.extend(_simulate_mailbox(queue, pacers[mailbox], start, until, rng))
    planned.sort(key=lambda p: p.at)
    return planned


def _simulate_mailbox(
    queue: list[PlanItem],
    pacer: MailboxPacer,
    start: datetime,
    until: datetime,
    rng: random.Random,
) -> Iterator[PlannedSend]:
    heap = [(max(item.candidate.due, start), n, item) for n, item in enumerate(queue)]
    heapq.heapify(heap)
    counter = len(heap)
    clock = start
    while heap:
        clock = pacer.mailbox_free_at(clock)
        ready, _, item = heapq.heappop(heap)
        at = max(clock, ready)
        if at >= until:
            return
        blocked = pacer.blocked_until(item.candidate, at)
        if blocked is not None:
            heapq.heappush(heap, (blocked, counter, item))
            counter += 1
            continue
        pacer.record(item.candidate, at, random_gap(item.candidate.pace, rng))
        clock = at
        yield PlannedSend(item.enrollment, item.mailbox, item.step_index, at)
        follow_up = _next_step(item, at)
        if follow_up is not None:
            heapq.heappush(heap, (follow_up.candidate.due, counter, follow_up))
            counter += 1


def _next_step(item: PlanItem, sent_at: datetime) -> PlanItem | None:
    index = item.step_index + 1
    if index >= len(item.steps):
        return None
    c = item.candidate
    due = after_wait(item.steps[index].wait, sent_at, c.tz)
    candidate = Candidate(c.key, due, c.tz, c.schedule, c.pace, c.campaign, c.domain)
    return PlanItem(item.enrollment, item.mailbox, index, candidate, item.steps)
