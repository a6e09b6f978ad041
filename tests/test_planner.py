"""The pure planner on a virtual clock: windows, DST, timezones, weekends, caps, waits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from outreach.planner.pacing import Candidate, MailboxPacer, parse_ramp, ramped_cap
from outreach.planner.simulate import PlanItem, simulate
from outreach.planner.windows import after_wait, next_open, window_close
from outreach.sequences.model import Pace, Schedule, Step, Variant, Wait

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = frozenset(range(5))
OFFICE = Schedule("Europe/Berlin", WEEKDAYS, time(9), time(17))
ANY_TIME = Schedule("UTC", frozenset(range(7)), time(0), time.max)
SLOW = Pace(daily_cap=40, gap_min=timedelta(minutes=2), gap_max=timedelta(minutes=2))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def pacer(cap: int = 40, tz: ZoneInfo = BERLIN, domain_hourly: int | None = None) -> MailboxPacer:
    return MailboxPacer(
        key="rep@sales.test", tz=tz, cap_for=lambda _d: cap, domain_hourly=domain_hourly
    )


def steps(*waits: Wait) -> tuple[Step, ...]:
    variant = (Variant("s", "b"),)
    first = Step(0, Wait(), variant, True)
    return (first, *(Step(i + 1, w, variant, False) for i, w in enumerate(waits)))


def item(
    n: int,
    due: datetime,
    tz: ZoneInfo = BERLIN,
    schedule: Schedule = OFFICE,
    pace: Pace = SLOW,
    seq: tuple[Step, ...] = steps(),
    domain: str | None = None,
) -> PlanItem:
    cand = Candidate(n, due, tz, schedule, pace, "c1", domain or f"d{n}.test")
    return PlanItem(n, "rep@sales.test", 0, cand, seq)


# --- windows -------------------------------------------------------------------------


def test_next_open_moves_a_saturday_to_monday_morning() -> None:
    saturday = local(BERLIN, 2026, 11, 28, 10, 0)
    assert next_open(OFFICE, BERLIN, saturday) == local(BERLIN, 2026, 11, 30, 9, 0)


def test_next_open_inside_the_window_is_now_and_after_it_is_tomorrow() -> None:
    inside = local(BERLIN, 2026, 11, 25, 11, 30)
    assert next_open(OFFICE, BERLIN, inside) == inside
    evening = local(BERLIN, 2026, 11, 25, 17, 0)
    assert next_open(OFFICE, BERLIN, evening) == local(BERLIN, 2026, 11, 26, 9, 0)


def test_lunch_pause_is_skipped_and_window_close_respects_it() -> None:
    schedule = Schedule("Europe/Berlin", WEEKDAYS, time(9), time(17), (time(12), time(13)))
    noon = local(BERLIN, 2026, 11, 25, 12, 15)
    assert next_open(schedule, BERLIN, noon) == local(BERLIN, 2026, 11, 25, 13, 0)
    morning = local(BERLIN, 2026, 11, 25, 10, 0)
    assert window_close(schedule, BERLIN, morning) == local(BERLIN, 2026, 11, 25, 12, 0)


def test_window_follows_the_wall_clock_across_dst() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: 09:00 is 07:00 UTC before, 08:00 after.
    friday = next_open(OFFICE, BERLIN, local(BERLIN, 2026, 10, 23, 8, 0))
    monday = next_open(OFFICE, BERLIN, local(BERLIN, 2026, 10, 24, 8, 0))
    assert friday == utc(2026, 10, 23, 7, 0)
    assert monday == utc(2026, 10, 26, 8, 0)


def test_spring_forward_keeps_the_local_send_hour_for_day_waits() -> None:
    # US DST starts Sunday 2026-03-08: "2d" after Friday 10:00 EST is Sunday 10:00 EDT.
    sent = local(NEW_YORK, 2026, 3, 6, 10, 0)
    due = after_wait(Wait(amount=timedelta(days=2)), sent, NEW_YORK)
    assert due.astimezone(NEW_YORK).hour == 10
    assert due - sent == timedelta(hours=47)


def test_business_days_skip_the_weekend() -> None:
    thursday = local(BERLIN, 2026, 11, 26, 10, 0)
    due = after_wait(Wait(business_days=3), thursday, BERLIN)
    assert due == local(BERLIN, 2026, 12, 1, 10, 0)  # Fri, Mon, Tue


def test_short_waits_are_absolute() -> None:
    sent = utc(2026, 11, 25, 23, 59, 50)
    assert after_wait(Wait(amount=timedelta(seconds=45)), sent, BERLIN) == sent + timedelta(
        seconds=45
    )


# --- pacing --------------------------------------------------------------------------


def test_gap_and_cap_block_until_the_right_moment() -> None:
    p = pacer(cap=2)
    cand = item(1, local(BERLIN, 2026, 11, 25, 9, 30)).candidate
    at = local(BERLIN, 2026, 11, 25, 10, 0)
    assert p.blocked_until(cand, at) is None
    p.record(cand, at, timedelta(minutes=5))
    assert p.blocked_until(cand, at + timedelta(minutes=1)) == at + timedelta(minutes=5)
    p.record(cand, at + timedelta(minutes=5), timedelta(minutes=5))
    assert p.blocked_until(cand, at + timedelta(hours=1)) == local(BERLIN, 2026, 11, 26, 0, 0)


def test_per_domain_throttle_holds_the_third_send_for_an_hour() -> None:
    p = pacer(domain_hourly=2)
    at = local(BERLIN, 2026, 11, 25, 10, 0)
    cand = item(1, at, domain="acme.test").candidate
    for minutes in (0, 1):
        p.record(cand, at + timedelta(minutes=minutes), timedelta(0))
    other = item(2, at, domain="other.test").candidate
    assert p.blocked_until(other, at + timedelta(minutes=2)) is None
    assert p.blocked_until(cand, at + timedelta(minutes=2)) == at + timedelta(hours=1)


def test_ramp_grows_daily_up_to_the_cap() -> None:
    assert parse_ramp("10+5/day") == (10, 5)
    first = date(2026, 11, 2)
    caps = [ramped_cap(30, "10+5/day", first, first + timedelta(days=d)) for d in range(6)]
    assert caps == [10, 15, 20, 25, 30, 30]


def test_bad_ramp_says_the_form() -> None:
    with pytest.raises(Exception, match="START\\+STEP/day"):
        parse_ramp("fast please")


# --- simulation ----------------------------------------------------------------------


def test_caps_spill_to_the_next_working_day() -> None:
    monday = local(BERLIN, 2026, 11, 23, 9, 0)
    pace = Pace(daily_cap=40, gap_min=timedelta(minutes=1), gap_max=timedelta(minutes=1))
    items = [item(n, monday, pace=pace) for n in range(100)]
    plan = simulate(items, {"rep@sales.test": pacer(cap=40)}, monday, monday + timedelta(days=7))
    per_day = Counter(p.at.astimezone(BERLIN).date() for p in plan)
    assert per_day == {date(2026, 11, 23): 40, date(2026, 11, 24): 40, date(2026, 11, 25): 20}
    assert all(time(9) <= p.at.astimezone(BERLIN).time() < time(17) for p in plan)


def test_friday_overflow_lands_on_monday() -> None:
    friday = local(BERLIN, 2026, 11, 27, 16, 50)
    pace = Pace(daily_cap=40, gap_min=timedelta(minutes=4), gap_max=timedelta(minutes=4))
    plan = simulate(
        [item(n, friday, pace=pace) for n in range(5)],
        {"rep@sales.test": pacer()},
        friday,
        friday + timedelta(days=7),
    )
    days = [p.at.astimezone(BERLIN).date() for p in plan]
    assert days.count(date(2026, 11, 27)) == 3  # 16:50, 16:54, 16:58
    assert days[3:] == [date(2026, 11, 30)] * 2


def test_three_timezones_each_get_their_own_morning() -> None:
    start = utc(2026, 11, 23, 0, 0)
    zones = {1: BERLIN, 2: NEW_YORK, 3: TOKYO}
    items = [item(n, start, tz=tz) for n, tz in zones.items()]
    plan = simulate(
        items, {"rep@sales.test": pacer(tz=ZoneInfo("UTC"))}, start, start + timedelta(days=2)
    )
    for sent in plan:
        local_time = sent.at.astimezone(zones[sent.enrollment]).time()  # type: ignore[index]
        assert time(9) <= local_time < time(9, 30), (sent, local_time)


def test_follow_ups_wait_business_days_and_the_window() -> None:
    thursday = local(BERLIN, 2026, 11, 26, 9, 0)
    seq = steps(Wait(business_days=3), Wait(amount=timedelta(days=2)))
    plan = simulate(
        [item(1, thursday, seq=seq)],
        {"rep@sales.test": pacer()},
        thursday,
        thursday + timedelta(days=30),
    )
    dates = [(p.step_index, p.at.astimezone(BERLIN).date()) for p in plan]
    assert dates == [(0, date(2026, 11, 26)), (1, date(2026, 12, 1)), (2, date(2026, 12, 3))]


def test_gaps_are_respected_between_all_sends() -> None:
    start = utc(2026, 11, 23, 0, 0)
    pace = Pace(daily_cap=500, gap_min=timedelta(seconds=90), gap_max=timedelta(minutes=6))
    plan = simulate(
        [item(n, start, schedule=ANY_TIME, pace=pace) for n in range(200)],
        {"rep@sales.test": pacer(cap=500)},
        start,
        start + timedelta(days=3),
    )
    assert len(plan) == 200
    gaps = [b.at - a.at for a, b in zip(plan, plan[1:], strict=False)]
    assert min(gaps) >= timedelta(seconds=90)
    assert max(gaps) <= timedelta(minutes=6)


# --- inbox rotation ------------------------------------------------------------------


def test_rotation_balances_by_capacity_and_existing_load() -> None:
    from outreach.planner.assign import assign_mailboxes

    prospects = list(range(90))
    result = assign_mailboxes(prospects, {"a": 40, "b": 20}, {"a": 0, "b": 0})
    counts = Counter(result.values())
    assert counts == {"a": 60, "b": 30}
    busy = assign_mailboxes(prospects, {"a": 40, "b": 40}, {"a": 60, "b": 0})
    assert Counter(busy.values()) == {"a": 15, "b": 75}
