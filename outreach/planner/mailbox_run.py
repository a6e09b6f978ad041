"""One mailbox on a virtual clock: :class:`MailboxPacer`'s rules on integer microseconds.

The engine decides with :class:`~outreach.planner.pacing.MailboxPacer` (datetimes, a few
sends a minute); a plan replays hundreds of thousands of sends, so :class:`MailboxRun`
applies the same rules, in the same order, to the same counters held as integers:

1. not before the send is due;
2. the gap since the mailbox's last send, and its daily cap (ramp included);
3. the prospect's sending window (with the mailbox's daily start jitter);
4. the campaign's daily cap for this mailbox;
5. the per-domain hourly throttle.

``tests/test_planner_equivalence.py`` holds the two to the same answers. The pacer given
is read, never changed.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Hashable, Iterable
from datetime import date

from outreach.planner.clock import HOUR_US, DayTable, seconds_to_us, to_us
from outreach.planner.lanes import Lane, Profile, Timeline
from outreach.planner.pacing import MailboxPacer

Start = tuple[int, Hashable, int, str, Profile]
"""An enrollment's next step: (due µs, enrollment, step index, recipient domain, profile)."""

Entry = tuple[int, Hashable, int, str, Lane]
"""A step waiting in the mailbox's queue: a :data:`Start` with the mailbox's lane."""

Sent = tuple[int, Hashable, int]
"""A simulated send: (µs, enrollment, step index)."""


class MailboxRun:
    """A mailbox's counters (today's sends, per campaign, per domain, the next free moment)."""

    def __init__(self, pacer: MailboxPacer, timeline: Timeline, until: int) -> None:
        self.key, self.hourly, self.cap_for = pacer.key, pacer.domain_hourly, pacer.cap_for
        self.timeline, self.until = timeline, until
        self.days: DayTable = timeline.days(pacer.tz)
        self.next_free = None if pacer.next_free is None else to_us(pacer.next_free)
        self.sent_on = {day.toordinal(): n for day, n in pacer.sent_on.items()}
        self.sent_on_campaign = {
            (campaign, day.toordinal()): n for (campaign, day), n in pacer.sent_on_campaign.items()
        }
        self.recent = {d: deque(map(to_us, times)) for d, times in pacer.recent_by_domain.items()}
        self.caps: dict[int, int] = {}
        self.lanes: dict[int, Lane] = {}
        self.span = (0, 0, 0)  # (from, to, day): the local day of the last lookup

    def run(self, starts: Iterable[Start], start: int, rng: random.Random) -> list[Sent]:
        """Every send that would leave in [start, until), in time order."""
        heap = [
            (max(due, start), n, (due, enrollment, step, domain, self._lane(profile)))
            for n, (due, enrollment, step, domain, profile) in enumerate(starts)
        ]
        heapq.heapify(heap)
        return self._drain(heap, start, rng)

    def _drain(
        self, heap: list[tuple[int, int, Entry]], clock: int, rng: random.Random
    ) -> list[Sent]:
        """The event loop of ``simulate``: earliest ready step first, ties in queue order."""
        sent: list[Sent] = []
        counter, until = len(heap), self.until
        while heap:
            clock = self.free_at(clock)
            ready, _, entry = heapq.heappop(heap)
            if clock >= ready:  # the mailbox is free at ``clock``: rules 1 and 2 hold
                at = clock
                if at >= until:
                    break
                blocked = self._blocked_by_prospect(entry, at)
            else:
                at = ready
                if at >= until:
                    break
                blocked = self.blocked_until(entry, at)
            if blocked is None:
                clock = at
                self._send(entry, at, rng, sent, heap, counter)
            else:
                heapq.heappush(heap, (blocked, counter, entry))
            counter += 1
        return sent

    def _send(
        self,
        entry: Entry,
        at: int,
        rng: random.Random,
        sent: list[Sent],
        heap: list[tuple[int, int, Entry]],
        counter: int,
    ) -> None:
        """Record the send and queue the enrollment's next step (due after its wait)."""
        _, enrollment, step, domain, lane = entry
        self.record(lane, domain, at, seconds_to_us(rng.uniform(lane.gap_low, lane.gap_high)))
        sent.append((at, enrollment, step))
        step += 1
        if step < lane.step_count:
            due = lane.after_wait(step, at)
            heapq.heappush(heap, (due, counter, (due, enrollment, step, domain, lane)))

    def blocked_until(self, entry: Entry, at: int) -> int | None:
        """None when the step may leave at ``at``; else the earliest moment worth retrying."""
        due = entry[0]
        if at < due:
            return due
        free = self.free_at(at)
        if free > at:
            return free
        return self._blocked_by_prospect(entry, at)

    def _blocked_by_prospect(self, entry: Entry, at: int) -> int | None:
        """Rules 3–5, for a step that is due at ``at`` from a mailbox free at ``at``."""
        _, _, _, domain, lane = entry
        opens = lane.window.next_open(at)
        if opens > at:
            return opens
        day = self.day_of(at)
        if self.sent_on_campaign.get((lane.campaign, day), 0) >= lane.campaign_cap:
            return self.days.midnight(day + 1)
        return self._domain_throttle(lane, domain, at)

    def free_at(self, at: int) -> int:
        """The earliest moment ≥ ``at`` the gap and the daily cap allow.

        Stops at ``until``: whatever lies beyond it is never sent, and a mailbox whose cap
        stays at 0 would otherwise be searched for ever.
        """
        while True:
            next_free = self.next_free
            if next_free is not None and at < next_free:
                at = next_free
            if at >= self.until:
                return at
            day = self.day_of(at)
            if self.sent_on.get(day, 0) < self._cap(day):
                return at
            at = self.days.midnight(day + 1)

    def record(self, lane: Lane, domain: str, at: int, gap: int) -> None:
        """Count a send that left at ``at``; the next may leave ``gap`` µs later."""
        day = self.day_of(at)
        self.sent_on[day] = self.sent_on.get(day, 0) + 1
        key = (lane.campaign, day)
        self.sent_on_campaign[key] = self.sent_on_campaign.get(key, 0) + 1
        recent = self.recent.get(domain)
        if recent is None:
            recent = self.recent[domain] = deque()
        recent.append(at)
        self.next_free = at + gap

    def day_of(self, at: int) -> int:
        """The mailbox's local date (ordinal) at ``at``, cached for the current day."""
        low, high, day = self.span
        if low <= at < high:
            return day
        day = self.days.day_of(at)
        self.span = (self.days.midnight(day), self.days.midnight(day + 1), day)
        return day

    def _domain_throttle(self, lane: Lane, domain: str, at: int) -> int | None:
        limit, recent = lane.domain_limit, self.recent.get(domain)
        if limit is None or not recent:
            return None
        while recent and recent[0] <= at - HOUR_US:
            recent.popleft()
        return recent[0] + HOUR_US if len(recent) >= limit else None

    def _cap(self, day: int) -> int:
        cap = self.caps.get(day)
        if cap is None:
            cap = self.caps[day] = self.cap_for(date.fromordinal(day))
        return cap

    def _lane(self, profile: Profile) -> Lane:
        lane = self.lanes.get(id(profile))
        if lane is None:
            lane = Lane(profile, self.timeline, self.key, self.hourly)
            self.lanes[id(profile)] = lane
        return lane
