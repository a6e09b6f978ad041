"""TUI at scale: 100,000 prospects (in a started campaign), the app headless.

Prints the time from start to first paint (dashboard mounted and its data shown; goal
≤ 1 s) and, for searches and page/sort changes on the prospects table, how long until
the rows are shown and the longest the event loop was blocked meanwhile (a 10 ms
heartbeat timer's worst lateness; goal: input never blocked > 100 ms).

    python bench/tui_startup.py [--prospects 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEQUENCE = """\
name: bench
schedule: {timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "08:00-18:00"}
pace: {daily_cap: 1000, gap: 10s-40s}
steps:
  - subject: "Hello {{ company }}"
    body: "Hi {{ first_name }}"
  - {wait: 2 business days, body: "Step 2"}
"""
HEARTBEAT = 0.01


def seed(url: str, prospects: int, workdir: Path) -> None:
    """Prospects, one mailbox, a started campaign with every first step queued (bulk)."""
    from sqlalchemy import insert, text

    from outreach.sequences import load_sequence, sequence_hash, to_snapshot
    from outreach.store import open_store
    from outreach.store.models import Campaign, CampaignMailbox, Enrollment, Mailbox, Prospect, Send

    db = open_store(url)
    now = datetime.now(UTC)
    (workdir / "bench.yaml").write_text(SEQUENCE)
    sequence = load_sequence(workdir / "bench.yaml")
    with db.begin() as conn:
        conn.execute(insert(Mailbox), [{
            "email": "rep@sales.example", "username": "rep", "smtp_host": "127.0.0.1", "smtp_port": 25,
            "smtp_security": "none", "imap_host": "127.0.0.1", "imap_port": 143, "imap_security": "none",
            "daily_cap": 1000, "created_at": now, "paused": False, "insecure_skip_verify": False,
            "secret_source": "keyring", "append_to_sent": "auto"}])  # fmt: skip
        conn.execute(insert(Prospect), [
            {"email": f"p{n}@d{n % 5000}.example", "domain": f"d{n % 5000}.example",
             "first_name": f"P{n}", "last_name": f"L{n % 977}", "company": f"Co{n % 5000}",
             "timezone": None, "fields": {}, "created_at": now, "updated_at": now}
            for n in range(prospects)])  # fmt: skip
        conn.execute(insert(Campaign), [{
            "name": "bench", "sequence": to_snapshot(sequence), "sequence_hash": sequence_hash(sequence),
            "state": "active", "created_at": now, "started_at": now}])  # fmt: skip
        conn.execute(insert(CampaignMailbox), [{"campaign_id": 1, "mailbox_id": 1}])
        conn.execute(insert(Enrollment), [
            {"campaign_id": 1, "prospect_id": n + 1, "mailbox_id": 1, "state": "active",
             "steps_sent": 0, "next_step": 0, "soft_bounces": 0, "created_at": now,
             "updated_at": now} for n in range(prospects)])  # fmt: skip
        conn.execute(insert(Send), [
            {"enrollment_id": n + 1, "campaign_id": 1, "mailbox_id": 1, "prospect_id": n + 1,
             "step_index": 0, "variant": 0, "state": "scheduled",
             "due_at": now + timedelta(seconds=30 * n), "message_id": f"<{n}@bench>",
             "attempts": 0, "appended_to_sent": False, "created_at": now, "updated_at": now}
            for n in range(prospects)])  # fmt: skip
        conn.execute(text("ANALYZE"))


class Heartbeat:
    """A 10 ms timer on the app's loop; its worst lateness is the longest block."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0

    def beat(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - HEARTBEAT)
        self.last = now

    def reset(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0


async def first_paint(app: Any, pilot: Any, started: float) -> float:
    from outreach.tui.screens.dashboard import DashboardScreen

    while not (isinstance(app.screen, DashboardScreen) and app.screen.loads):
        await pilot.pause(0.005)
    return time.perf_counter() - started


async def timed(
    app: Any, pilot: Any, heart: Heartbeat, keys: list[str]
) -> tuple[float, float, float]:
    """Type ``keys``; the last one (Enter, or a key that reloads the table) is timed until
    the prospects table shows the answer. Returns that latency, the worst loop block while
    typing the others, and the worst block from the last key until the rows are shown."""
    screen = app.screen
    before = screen.loads
    heart.reset()
    await pilot.press(*keys[:-1])
    typing = heart.worst
    heart.reset()
    started = time.perf_counter()
    await pilot.press(keys[-1])
    while screen.loads == before:
        await pilot.pause(0.005)
    return time.perf_counter() - started, typing, heart.worst


async def drive(url: str, prospects: int) -> None:
    from outreach.store import open_store
    from outreach.tui.factory import build_app, freeze_startup_objects

    started = time.perf_counter()
    app = build_app(db=open_store(url), engine_factory=None, refresh_seconds=0)
    freeze_startup_objects()  # as `outreach tui` does
    async with app.run_test(size=(160, 48)) as pilot:
        paint = await first_paint(app, pilot, started)
        print(f"start → dashboard painted with its data: {paint * 1000:.0f} ms (goal ≤ 1000 ms)")
        heart = Heartbeat()
        app.set_interval(HEARTBEAT, heart.beat)
        heart.reset()
        await pilot.press("3")
        while not getattr(app.screen, "loads", 0):
            await pilot.pause(0.005)
        print(f"prospects view, first page of {prospects:,}: worst loop block "
              f"{heart.worst * 1000:.0f} ms (switching views mounts the screen)")  # fmt: skip
        cases = [
            ("search “p4242” (+ Enter)", ["slash", *"p4242", "enter"]),
            ("search “co17” (+ Enter)", ["slash", "ctrl+u", *"co17", "enter"]),
            ("search with no match", ["slash", "ctrl+u", *"zzzz", "enter"]),
            ("clear the search", ["slash", "ctrl+u", "enter"]),
            ("next page", ["down", "n"]),
            ("order by name (no index)", ["o"]),
            ("order by company (no index)", ["o"]),
        ]
        worst_block = 0.0
        for label, keys in cases:
            latency, typing, block = await timed(app, pilot, heart, keys)
            worst_block = max(worst_block, block)
            print(f"{label:30} rows shown after {latency * 1000:4.0f} ms; worst loop block: "
                  f"searching {block * 1000:3.0f} ms, typing {typing * 1000:3.0f} ms")  # fmt: skip
        verdict = "ok" if worst_block <= 0.1 else "over the goal"
        print(f"worst event-loop block while a search runs: {worst_block * 1000:.0f} ms "
              f"(goal ≤ 100 ms: {verdict}); load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prospects", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["OUTREACH_HOME"] = tmp
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        seed(url, args.prospects, Path(tmp))
        print(f"setup: {args.prospects:,} prospects enrolled, {args.prospects:,} sends queued "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        asyncio.run(drive(url, args.prospects))


if __name__ == "__main__":
    main()
