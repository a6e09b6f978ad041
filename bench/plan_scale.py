"""Plan at scale: 100,000 prospects × 5 steps over 50 mailboxes, and the "what is due now" query.

Prints the wall time and peak RSS of ``campaign plan`` over the whole campaign (goal
< 10 s, < 500 MB), and the time of one due-sends query for one mailbox on a table of
500,000 send rows (goal ≤ 5 ms).

    python bench/plan_scale.py [--prospects 100000] [--mailboxes 50] [--days 30]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEQUENCE = """\
name: scale
schedule: {timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "08:00-18:00"}
pace: {daily_cap: 1000, gap: 10s-40s, per_domain_hourly: 20}
steps:
  - subject: "Hello {{ company }}"
    body: "Hi {{ first_name }}"
  - {wait: 2 business days, body: "Step 2"}
  - {wait: 3d, body: "Step 3"}
  - {wait: 1w, body: "Step 4"}
  - {wait: 5 business days, body: "Step 5"}
"""
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", None]


def build(db_url: str, prospects: int, mailboxes: int, workdir: Path) -> None:
    from sqlalchemy import insert

    from outreach.campaigns import service
    from outreach.store import open_store
    from outreach.store.models import Mailbox, Prospect, ProspectTag

    db = open_store(db_url)
    now = datetime.now(UTC)
    with db.begin() as conn:
        conn.execute(insert(Mailbox), [
            {"email": f"rep{m}@sales.example", "username": f"rep{m}", "smtp_host": "127.0.0.1",
             "smtp_port": 25, "smtp_security": "none", "imap_host": "127.0.0.1", "imap_port": 143,
             "imap_security": "none", "daily_cap": 1000, "created_at": now, "paused": False,
             "insecure_skip_verify": False, "secret_source": "keyring", "append_to_sent": "auto"}
            for m in range(mailboxes)])
        conn.execute(insert(Prospect), [
            {"email": f"p{n}@d{n % 5000}.example", "domain": f"d{n % 5000}.example",
             "first_name": f"P{n}", "company": f"Co{n % 5000}", "timezone": ZONES[n % 5],
             "fields": {}, "created_at": now, "updated_at": now} for n in range(prospects)])
        conn.execute(insert(ProspectTag), [{"prospect_id": n + 1, "tag": "s"}
                                           for n in range(prospects)])
    (workdir / "seq.yaml").write_text(SEQUENCE)
    service.create_campaign(db, "scale", workdir / "seq.yaml",
                            [f"rep{m}@sales.example" for m in range(mailboxes)], tags=["s"])


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss would carry a parent's peak across exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def due_query_ms(db_url: str, prospects: int, mailboxes: int) -> float:
    """Fill the send table as a started campaign would (5 rows per prospect), time the query."""
    from sqlalchemy import insert, text

    from outreach.store import open_store
    from outreach.store.models import Send
    from outreach.store.repository import DUE_FOR_PACER

    db = open_store(db_url)
    now = datetime.now(UTC)
    rng = random.Random(1)
    with db.begin() as conn:
        rows = conn.execute(text("SELECT id, prospect_id, mailbox_id FROM enrollment")).all()
        batch = []
        for enrollment_id, prospect_id, mailbox_id in rows:
            for step in range(5):
                batch.append({
                    "enrollment_id": enrollment_id, "campaign_id": 1, "mailbox_id": mailbox_id,
                    "prospect_id": prospect_id, "step_index": step, "variant": 0,
                    "state": "sent" if step < 2 else "scheduled",
                    "due_at": now + timedelta(minutes=rng.randint(-600, 60000)),
                    "message_id": f"<{enrollment_id}.{step}@bench>", "attempts": 0,
                    "appended_to_sent": False, "created_at": now, "updated_at": now})
        conn.execute(insert(Send), batch)
        conn.execute(text("UPDATE campaign SET state='active'"))
        conn.execute(text("ANALYZE"))
    times = []
    with db.connect() as conn:
        for m in range(1, mailboxes + 1):
            started = time.perf_counter()
            conn.execute(DUE_FOR_PACER, {"mailbox_id": m, "now": now, "limit": 20}).all()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def plan_only(url: str, days: int) -> None:
    """The plan alone, in a fresh process: its wall time and its own peak RSS."""
    from outreach.campaigns.plan import plan_campaign
    from outreach.store import open_store

    db = open_store(url)
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    rows = plan_campaign(db, "scale", days=days)
    wall = time.perf_counter() - started
    print(f"{len(rows)} {wall:.3f} {peak_rss_mb():.0f} {rss_before:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prospects", type=int, default=100_000)
    parser.add_argument("--mailboxes", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--plan-only", metavar="DB_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plan_only:
        plan_only(args.plan_only, args.days)
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["OUTREACH_HOME"] = tmp
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        build(url, args.prospects, args.mailboxes, Path(tmp))
        print(f"setup: {args.prospects} prospects enrolled over {args.mailboxes} mailboxes "
              f"in {time.perf_counter() - started:.1f} s (peak RSS of the setup "
              f"{peak_rss_mb():.0f} MB)")
        out = subprocess.run(
            [sys.executable, __file__, "--plan-only", url, "--days", str(args.days)],
            check=True, capture_output=True, text=True, env=os.environ,
        ).stdout.split()
        count, wall, rss, rss_before = int(out[0]), float(out[1]), out[2], out[3]
        print(f"plan: {count} sends ({args.prospects} × 5 = {args.prospects * 5}) over "
              f"{args.days} days in {wall:.2f} s (goal < 10 s); peak RSS of the planning "
              f"process {rss} MB ({rss_before} MB before the plan; goal < 500 MB)")
        ms = due_query_ms(url, args.prospects, args.mailboxes)
        print(f"due-now query for one mailbox on {args.prospects * 5} send rows: "
              f"{ms:.2f} ms median (goal ≤ 5 ms)")


if __name__ == "__main__":
    main()
