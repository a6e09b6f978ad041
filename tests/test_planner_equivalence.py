"""The integer-time simulation gives exactly the plan the engine's own pacer gives.

``reference_simulate`` is the planner loop as it was before the integer rewrite, driving
:class:`MailboxPacer` (the datetime rules the engine decides with). Randomized campaigns —
DST changes in odd timezones, lunch breaks, windows shorter than the day's start jitter,
ramps, per-domain throttles, state carried over from earlier sends — must come out
send for send, microsecond for microsecond, the same.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from outreach.planner.clock import DayTable, from_us, seconds_to_us, to_us, weekday
from outreach.planner.lanes import Lane, Profile, Timeline
from outreach.planner.pacing import Candidate, MailboxPacer, day_start_jitter, ramped_cap
from outreach.planner.simulate import PlanItem, PlannedSend, simulate
from outreach.planner.windows import after_wait, next_open
from outreach.sequences.model import Pace, Schedule, Step, Variant, Wait

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",  # DST changes at local midnight
    "America/Havana",  # ditto
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # DST switched off for Ramadan
    "Europe/Dublin",  # "negative" DST in the tz database
    "America/St_Johns",
    "Asia/Tokyo",
    "UTC",
]
T = TypeVar("T")
CLOCKS = [time(h, m) for h in (0, 1, 2, 3, 8, 9, 12, 13, 17, 23) for m in (0, 30)]


# --- the reference: the loop as it was, over the engine's MailboxPacer ----------------


def reference_simulate(
    items: Iterable[PlanItem],
    pacers: dict[str, MailboxPacer],
    start: datetime,
    until: datetime,
    seed: int = 0,
) -> list[PlannedSend]:
    by_mailbox: dict[str, list[PlanItem]] = {}
    for item in items:
        by_mailbox.setdefault(item.mailbox, []).append(item)
    planned: list[PlannedSend] = []
    for mailbox, queue in by_mailbox.items():
        rng = random.Random(f"{seed}|{mailbox}")
        planned.extend(_reference_mailbox(queue, pacers[mailbox], start, until, rng))
    planned.sort(key=lambda p: p.at)
    return planned


def _reference_mailbox(
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
        gap = timedelta(seconds=rng.uniform(*_gap_bounds(item.candidate.pace)))
        pacer.record(item.candidate, at, gap)
        clock = at
        yield PlannedSend(item.enrollment, item.mailbox, item.step_index, at)
        follow_up = _reference_next_step(item, at)
        if follow_up is not None:
            heapq.heappush(heap, (follow_up.candidate.due, counter, follow_up))
            counter += 1


def _gap_bounds(pace: Pace) -> tuple[float, float]:
    return pace.gap_min.total_seconds(), pace.gap_max.total_seconds()


def _reference_next_step(item: PlanItem, sent_at: datetime) -> PlanItem | None:
    index = item.step_index + 1
    if index >= len(item.steps):
        return None
    c = item.candidate
    due = after_wait(item.steps[index].wait, sent_at, c.tz)
    candidate = Candidate(c.key, due, c.tz, c.schedule, c.pace, c.campaign, c.domain)
    return PlanItem(item.enrollment, item.mailbox, index, candidate, item.steps)


# --- random campaigns ---------------------------------------------------------------


def random_start(rng: random.Random) -> datetime:
    """Mostly in months with DST changes somewhere (Mar, Apr, Sep, Oct, Nov)."""
    month = rng.choice([3, 4, 9, 10, 11, rng.randint(1, 12)])
    day = datetime(rng.randint(2024, 2027), month, rng.randint(1, 28), tzinfo=UTC)
    return day + timedelta(seconds=rng.randint(0, 86399), microseconds=rng.randint(0, 999_999))


def random_schedule(rng: random.Random) -> Schedule:
    days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
    kind = rng.random()
    if kind < 0.2:
        return Schedule(rng.choice(ZONES), days, time(0), time.max)
    if kind < 0.35:  # shorter than the day's start jitter can be: some days never open
        return Schedule(rng.choice(ZONES), days, time(8), time(8, 10))
    start, end = sorted(rng.sample(CLOCKS, 2))
    lunch = None
    if rng.random() < 0.3:
        lunch_start, lunch_end = sorted(rng.sample(CLOCKS, 2))
        lunch = (lunch_start, lunch_end)
    return Schedule(rng.choice(ZONES), days, start, rng.choice([end, time.max]), lunch)


def random_pace(rng: random.Random) -> Pace:
    low = rng.choice([0, 0, 10, 90, 600, 3600])
    high = low + rng.choice([0, 0.5, 30, 300, 7200])
    return Pace(
        daily_cap=rng.randint(1, 20),
        gap_min=timedelta(seconds=low),
        gap_max=timedelta(seconds=high),
        per_domain_hourly=rng.choice([None, None, 1, 2, 3]),
    )


def random_wait(rng: random.Random) -> Wait:
    return rng.choice(
        [
            Wait(),
            Wait(business_days=rng.randint(1, 6)),
            Wait(amount=timedelta(days=rng.randint(1, 9))),
            Wait(amount=timedelta(weeks=1)),
            Wait(amount=timedelta(hours=rng.randint(1, 30))),
            Wait(amount=timedelta(minutes=rng.randint(1, 90), seconds=rng.randint(0, 59))),
        ]
    )


def random_steps(rng: random.Random) -> tuple[Step, ...]:
    variant = (Variant("s", "b"),)
    waits = [Wait(), *(random_wait(rng) for _ in range(rng.randint(0, 4)))]
    return tuple(Step(i, wait, variant, i == 0) for i, wait in enumerate(waits))


def random_pacer(rng: random.Random, key: str, start: datetime) -> MailboxPacer:
    """A mailbox pacer with some history: sends today, a gap to honour, recent domains."""
    tz = ZoneInfo(rng.choice(ZONES))
    cap = rng.randint(1, 30)
    ramp = rng.choice([None, None, "1+2/day", "0+3/day"])
    first_day = (start - timedelta(days=rng.randint(0, 5))).astimezone(tz).date()
    pacer = MailboxPacer(
        key=key,
        tz=tz,
        cap_for=partial(ramped_cap, cap, ramp, first_day),
        domain_hourly=rng.choice([None, None, 1, 2, 4]),
    )
    for _ in range(rng.randint(0, 4)):
        sent_at = start - timedelta(minutes=rng.randint(1, 90))
        day = sent_at.astimezone(tz).date()
        pacer.sent_on[day] += 1
        pacer.sent_on_campaign[(rng.randint(0, 2), day)] += 1
        pacer.recent_by_domain.setdefault(f"d{rng.randint(0, 3)}.test", deque()).append(sent_at)
        pacer.next_free = sent_at + timedelta(minutes=rng.randint(0, 120))
    return pacer


def random_items(rng: random.Random, boxes: list[str], start: datetime) -> list[PlanItem]:
    campaigns = [
        (c, random_schedule(rng), random_pace(rng), random_steps(rng))
        for c in range(rng.randint(1, 3))
    ]
    items = []
    for n in range(rng.randint(1, 30)):
        campaign, schedule, pace, steps = rng.choice(campaigns)
        tz = ZoneInfo(rng.choice([schedule.timezone, *ZONES]))
        due = start + timedelta(minutes=rng.randint(-3000, 8000), microseconds=rng.randint(0, 9))
        domain = f"d{rng.randint(0, 3)}.test"
        candidate = Candidate(n, due, tz, schedule, pace, campaign, domain)
        step = rng.randrange(len(steps))
        items.append(PlanItem(n, rng.choice(boxes), step, candidate, steps))
    return items


def scenario(seed: int) -> tuple[list[PlanItem], list[str], datetime, datetime]:
    rng = random.Random(seed)
    start = random_start(rng)
    boxes = [f"rep{n}@sales.test" for n in range(rng.randint(1, 3))]
    until = start + timedelta(days=rng.randint(1, 40), seconds=rng.randint(0, 86399))
    return random_items(rng, boxes, start), boxes, start, until


def pacers_for(seed: int, boxes: list[str], start: datetime) -> dict[str, MailboxPacer]:
    rng = random.Random(f"pacers {seed}")
    return {box: random_pacer(rng, box, start) for box in boxes}


def outcome(run: Callable[[], T]) -> T | str:
    """What ``run`` returns, or the error it ends in (both sides must end the same way)."""
    try:
        return run()
    except ValueError as exc:  # a window that never opens within next_open's 15 days
        return f"ValueError: {exc}"


def planned(
    how: Callable[..., list[PlannedSend]], seed: int
) -> list[tuple[Hashable, str, int, datetime]] | str:
    """Scenario ``seed`` planned by ``how`` (fresh pacers each time), as comparable tuples."""
    items, boxes, start, until = scenario(seed)
    pacers = pacers_for(seed, boxes, start)
    plan = outcome(partial(how, items, pacers, start, until, seed))
    if isinstance(plan, str):
        return plan
    return [(p.enrollment, p.mailbox, p.step_index, p.at) for p in plan]


# --- the tests ----------------------------------------------------------------------


@pytest.mark.parametrize("block", range(6))
def test_random_campaigns_plan_exactly_as_the_engines_pacer(block: int) -> None:
    sends = 0
    for seed in range(block * 40, block * 40 + 40):
        expected = planned(reference_simulate, seed)
        assert planned(simulate, seed) == expected, f"scenario {seed}"
        sends += len(expected)
    assert sends > 500  # the scenarios do send (not just agree on nothing)


def busy_items(start: datetime) -> list[PlanItem]:
    """300 prospects in Berlin and New York over two mailboxes, a throttle on 7 domains."""
    schedule = Schedule("Europe/Berlin", frozenset(range(5)), time(8), time(18))
    pace = Pace(40, timedelta(seconds=10), timedelta(seconds=400), per_domain_hourly=3)
    steps = random_steps(random.Random(3))
    return [
        PlanItem(
            n,
            f"rep{n % 2}@sales.test",
            0,
            Candidate(n, start, ZoneInfo(ZONES[n % 2]), schedule, pace, 1, f"d{n % 7}.test"),
            steps,
        )
        for n in range(300)
    ]


def test_a_busy_mailbox_over_a_dst_change_plans_the_same() -> None:
    """Many sends through caps, throttles and the October change in Berlin and New York."""
    start = datetime(2026, 10, 21, 6, 0, tzinfo=UTC)
    items, boxes = busy_items(start), ["rep0@sales.test", "rep1@sales.test"]
    until = start + timedelta(days=30)
    expected = reference_simulate(items, pacers_for(1, boxes, start), start, until)
    assert len(expected) > 300
    assert simulate(items, pacers_for(1, boxes, start), start, until) == expected


def test_simulate_leaves_the_pacers_as_they_were() -> None:
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    boxes = ["rep0@sales.test", "rep1@sales.test"]
    pacers = pacers_for(2, boxes, start)
    before = {box: (p.next_free, Counter(p.sent_on)) for box, p in pacers.items()}
    assert simulate(busy_items(start), pacers, start, start + timedelta(days=3))
    assert {box: (p.next_free, Counter(p.sent_on)) for box, p in pacers.items()} == before


def test_local_days_match_astimezone_across_dst_changes() -> None:
    rng = random.Random(11)
    for name in ZONES:
        tz = ZoneInfo(name)
        first = date(2025, 1, 1).toordinal()
        table = DayTable(tz, first)
        for _ in range(2000):
            at = to_us(datetime(2025, 1, 1, tzinfo=UTC)) + rng.randrange(3 * 365 * 86400 * 10**6)
            assert table.day_of(at) == from_us(at).astimezone(tz).date().toordinal(), name
        assert table.midnight(first + 300) == to_us(
            datetime.combine(date.fromordinal(first + 300), time(0), tz)
        )


def test_window_bisection_matches_next_open() -> None:
    rng = random.Random(5)
    for n in range(300):
        schedule, tz = random_schedule(rng), ZoneInfo(rng.choice(ZONES))
        start = random_start(rng)
        timeline = Timeline(start.date().toordinal() - 1)
        table = timeline.window(schedule, tz, f"rep{n}@sales.test")
        jitter = day_start_jitter(f"rep{n}@sales.test", schedule)
        for _ in range(20):
            at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 30), microseconds=n)
            expected = outcome(partial(next_open, schedule, tz, at, jitter))
            actual = outcome(partial(table.next_open, to_us(at)))
            assert actual == (expected if isinstance(expected, str) else to_us(expected))


def test_waits_match_after_wait() -> None:
    rng = random.Random(9)
    pace = Pace(5, timedelta(0), timedelta(0))
    for _ in range(300):
        tz, steps = ZoneInfo(rng.choice(ZONES)), random_steps(rng)
        start = random_start(rng)
        lane = Lane(
            Profile(tz, random_schedule(rng), pace, 1, steps),
            Timeline(start.date().toordinal() - 1),
            "rep@sales.test",
            None,
        )
        for _ in range(10):
            sent = start + timedelta(minutes=rng.randint(0, 60 * 24 * 40), microseconds=7)
            for index in range(1, len(steps)):
                expected = after_wait(steps[index].wait, sent, tz)
                assert from_us(lane.after_wait(index, to_us(sent))) == expected


def test_gap_rounding_matches_timedelta() -> None:
    rng = random.Random(2)
    samples = [rng.uniform(0, 7200) for _ in range(20_000)] + [k / 2e6 for k in range(2000)]
    for seconds in samples:
        assert from_us(seconds_to_us(seconds)) - from_us(0) == timedelta(seconds=seconds)


def test_plan_local_times_match_strftime_across_dst_changes() -> None:
    from outreach.campaigns.plan import LocalClock

    rng = random.Random(13)
    for name in ZONES:
        tz = ZoneInfo(name)
        clock = LocalClock(DayTable(tz, date(2025, 1, 1).toordinal()))
        for _ in range(3000):
            at = to_us(datetime(2025, 1, 1, tzinfo=UTC)) + rng.randrange(2 * 365 * 86400 * 10**6)
            expected = from_us(at).astimezone(tz).strftime("%a %Y-%m-%d %H:%M")
            assert clock.format(at) == expected, (name, at)


def test_business_days_by_weeks_match_counting_day_by_day() -> None:
    from outreach.planner.lanes import add_business_days

    def counted(ordinal: int, days: int) -> int:
        while days:
            ordinal += 1
            days -= weekday(ordinal) < 5
        return ordinal

    start = date(2026, 1, 1).toordinal()
    for ordinal in range(start, start + 14):
        for days in range(0, 60):
            assert add_business_days(ordinal, days) == counted(ordinal, days), (ordinal, days)
