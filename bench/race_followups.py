"""Replies injected at random moments around scheduled follow-ups (real Postfix + Dovecot).

Usage (root, with the mail stack installed)::

    PYTHONPATH=. python bench/race_followups.py [--trials 200] [--seed 7] [--wait 3s]

Starts its own stack (scripts/mailstack.sh) in a throw-away directory. Prints how many
follow-ups were sent or cancelled, how long before each sent follow-up its reply had
been in the INBOX, and the violations: follow-ups that started 1 s or more after the
reply was in the INBOX (must be 0). Exit status 1 on any violation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.mailstack import MailStack, run_script, start_stack  # noqa: E402
from tests.test_watcher_race import Trial, run_race  # noqa: E402


@contextmanager
def mail_stack() -> Iterator[MailStack]:
    """A Postfix + Dovecot stack for this run, stopped (by PID files) afterwards."""
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-bench-"))
    stack_dir.chmod(0o755)
    try:
        yield start_stack(stack_dir)
    finally:
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


@contextmanager
def throwaway_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    os.environ["OUTREACH_HOME"] = str(home)
    os.environ.pop("OUTREACH_DB_URL", None)
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def report(trials: list[Trial]) -> int:
    sent = [t for t in trials if t.follow_up == "sent"]
    cancelled = [t for t in trials if t.follow_up == "cancelled"]
    violations = [t for t in trials if t.violation]
    leads = sorted(t.lead for t in sent if t.lead is not None and t.lead > 0)
    print(f"trials: {len(trials)}  follow-ups sent: {len(sent)}  cancelled: {len(cancelled)}")
    print(f"sent although the reply was already in the INBOX: {len(leads)}", end="")
    if leads:
        print(f" (reply in INBOX {leads[0] * 1000:.0f}–{leads[-1] * 1000:.0f} ms before the start)")
    else:
        print()
    late = [t for t in cancelled if t.late_catch]
    print(f"cancelled although the reply came after the follow-up was due: {len(late)}")
    print(f"violations (sent ≥ 1 s after the reply was in the INBOX): {len(violations)}")
    for trial in violations:
        print(f"  {trial.prospect}: reply {trial.reply_at:%H:%M:%S.%f}, start {trial.started_at}")
    return 1 if violations else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wait", default="3s", help="wait before the follow-up")
    args = parser.parse_args()
    with mail_stack() as stack, throwaway_home() as home:
        trials = asyncio.run(
            run_race(stack, home, trials=args.trials, seed=args.seed, wait=args.wait)
        )
    return report(trials)


if __name__ == "__main__":
    sys.exit(main())
