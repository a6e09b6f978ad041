"""``campaign plan``: the projected schedule, on a virtual clock, by the engine's own rules.

Each mailbox is simulated on its own (mailboxes send in parallel): at every moment the
pacer's rules say whether the earliest-due send may leave; sent steps make the next step of
the same prospect due after its wait. Gaps are drawn from a seeded RNG, so a plan is
reproducible; the real engine draws its own, so real times differ by the gaps' jitter.

The clock is integer microseconds (:mod:`outreach.planner.mailbox_run`), so a plan of
500,000 sends takes seconds, not minutes.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

from outreach.planner.clock import from_us, to_us
from outreach.planner.lanes import Profile, Timeline
from outreach.planner.mailbox_run import MailboxRun, Start
from outreach.planner.pacing import Candidate, MailboxPacer
from outreach.sequences.model import Step


@dataclass(frozen=True)
class PlanItem:
    """An enrollment's next step: ``candidate`` carries when it is due and its rules."""

    enrollment: Hashable
    mailbox: str
    step_index: int
    candidate: Candidate
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class PlannedSend:
    enrollment: Hashable
    mailbox: str
    step_index: int
    at: datetime


@dataclass(frozen=True)
class MailboxPlan:
    """The steps one mailbox would send, as plain tuples (µs, enrollment, step index)."""

    mailbox: str
    sends: list[tuple[int, Hashable, int]]


def simulate(
    items: Iterable[PlanItem],
    pacers: dict[str, MailboxPacer],
    start: datetime,
    until: datetime,
    seed: int = 0,
) -> list[PlannedSend]:
    """Every send that would leave in [start, until), in time order (the pacers stay as given)."""
    starts = _starts_by_mailbox(items)
    timeline = timeline_for(start)
    sends = merge(simulate_mailboxes(starts, pacers, start, until, seed, timeline))
    return [PlannedSend(enrollment, box, step, from_us(at)) for at, box, enrollment, step in sends]


def timeline_for(start: datetime) -> Timeline:
    """Day and window tables from the UTC day before ``start``: every local date of it on."""
    return Timeline(start.astimezone(UTC).date().toordinal() - 1)


def simulate_mailboxes(
    starts: Mapping[str, Sequence[Start]],
    pacers: Mapping[str, MailboxPacer],
    start: datetime,
    until: datetime,
    seed: int,
    timeline: Timeline,
) -> list[MailboxPlan]:
    """Each mailbox's sends in [start, until), mailboxes in the order of ``starts``."""
    start_us, until_us = to_us(start), to_us(until)
    plans = []
    for mailbox, queue in starts.items():
        run = MailboxRun(pacers[mailbox], timeline, until_us)
        rng = random.Random(f"{seed}|{mailbox}")
        plans.append(MailboxPlan(mailbox, run.run(queue, start_us, rng)))
    return plans


def merge(plans: Iterable[MailboxPlan]) -> list[tuple[int, str, Hashable, int]]:
    """All sends as (µs, mailbox, enrollment, step), by time; simultaneous ones by mailbox."""
    merged = [(at, plan.mailbox, e, step) for plan in plans for at, e, step in plan.sends]
    merged.sort(key=itemgetter(0))  # stable: ties keep the mailbox order
    return merged


def _starts_by_mailbox(items: Iterable[PlanItem]) -> dict[str, list[Start]]:
    """Items as :data:`Start` tuples, one :class:`Profile` per distinct set of rules."""
    profiles: dict[tuple[int, ...], Profile] = {}
    starts: dict[str, list[Start]] = {}
    for item in items:
        c = item.candidate
        key = (id(c.tz), id(c.schedule), id(c.pace), id(c.campaign), id(item.steps))
        profile = profiles.get(key)
        if profile is None:
            profile = profiles[key] = Profile(c.tz, c.schedule, c.pace, c.campaign, item.steps)
        start = (to_us(c.due), item.enrollment, item.step_index, c.domain, profile)
        starts.setdefault(item.mailbox, []).append(start)
    return starts
