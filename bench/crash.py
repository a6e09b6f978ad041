"""Crash benchmark: SIGKILL the engine ≥ 30 times during a ≥ 300-message run on the real stack.

Prints, per Sent-copy mode: kills, messages expected, delivered, lost, duplicates (counted
by Message-ID in the recipients' mailboxes). ``plus`` lets the server file our Sent copy
atomically with acceptance, so an in-doubt send is settled exactly; ``append`` (we APPEND
the copy after the fact) leaves the window documented in the README.

    python bench/crash.py [--prospects 100] [--steps 3] [--kills 30] [--modes plus,append]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crash_harness import crash_run  # noqa: E402
from tests.fixtures.mailstack import run_script, start_stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=100)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--modes", default="plus,append")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-"))
    os.chmod(stack_dir, 0o755)
    stack = start_stack(stack_dir)
    os.environ["SSL_CERT_FILE"] = str(stack.ca_file)
    print(f"{'mode':<8} {'kills':>5} {'expected':>8} {'delivered':>9} {'lost':>4} "
          f"{'dupes':>5} {'seconds':>7}")
    try:
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as work:
                r = crash_run(stack, Path(work), prospects=args.prospects, steps=args.steps,
                              kills=args.kills, seed=args.seed, budget=1800, sent_copy=mode)
            print(f"{mode:<8} {r.kills:>5} {r.expected:>8} {r.delivered:>9} {r.lost:>4} "
                  f"{r.duplicates:>5} {r.seconds:>7.1f}", flush=True)
    finally:
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
