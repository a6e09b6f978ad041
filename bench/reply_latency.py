"""Reply latency of the inbox watcher against a real Postfix + Dovecot stack.

Usage (root, with the mail stack installed)::

    PYTHONPATH=. python bench/reply_latency.py [--replies 50] [--poll-interval 2]

Starts its own stack (scripts/mailstack.sh) in a throw-away directory. For each reply:
the time from its SMTP submission to Postfix returning to its enrollment being
``replied`` in the database. Once with IDLE (goal: p95 ≤ 1 s; Dovecot tells an IDLE
client about new mail about 0.5 s after delivery, which is the floor) and once polling
(goal: p95 ≤ interval + 1 s). Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.race_followups import mail_stack, throwaway_home  # noqa: E402
from tests.test_watcher_latency import measure_reply_latency, percentile  # noqa: E402


def summary(name: str, latencies: list[float], goal: float) -> bool:
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    met = p95 <= goal
    print(
        f"{name:8} n={len(latencies):3}  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
        f"max {max(latencies) * 1000:6.0f} ms  goal p95 ≤ {goal * 1000:.0f} ms  "
        f"{'met' if met else 'MISSED'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=50, help="replies per mode")
    parser.add_argument("--poll-interval", type=float, default=2.0)
    parser.add_argument("--skip-polling", action="store_true")
    args = parser.parse_args()
    results = []
    with mail_stack() as stack, throwaway_home() as home:
        idle = asyncio.run(
            measure_reply_latency(stack, home, replies=args.replies, idle=True, poll_interval=600)
        )
        results.append(summary("IDLE", idle, 1.0))
        if not args.skip_polling:
            interval = args.poll_interval
            polled = asyncio.run(
                measure_reply_latency(
                    stack,
                    home,
                    replies=args.replies,
                    idle=False,
                    poll_interval=interval,
                    spacing=(0.0, interval),
                )
            )
            results.append(summary(f"poll {interval:g}s", polled, interval + 1.0))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
