"""Scale-out on PostgreSQL: sends/min with 1, 2 and 3 daemons (pacing off), and a SIGKILL takeover.

Starts its own mail stack and PostgreSQL (as the tests do) and prints, per daemon count:
sends, seconds, sends/min, lost, duplicates; then for 3 daemons with one SIGKILLed mid-run:
takeover time (until every mailbox of the dead daemon has a new holder), lost, duplicates.

    python bench/scaleout.py [--mailboxes 30] [--prospects 200] [--steps 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
import pytest  # noqa: E402

from tests.fixtures import postgres  # noqa: E402
from tests.fixtures.mailstack import run_script, start_stack  # noqa: E402
from tests.scaleout_harness import scale_run  # noqa: E402


def fresh_database(server: str, name: str) -> str:
    dsn = server.replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailboxes", type=int, default=30)
    parser.add_argument("--prospects", type=int, default=200)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-"))
    os.chmod(stack_dir, 0o755)
    stack = start_stack(stack_dir)
    server_gen = postgres.postgres_server.__wrapped__()  # type: ignore[attr-defined]
    server = next(server_gen)
    print(f"{'daemons':>7} {'sends':>6} {'seconds':>8} {'sends/min':>10} {'lost':>5} "
          f"{'dupes':>5} {'takeover s':>10}")
    try:
        for daemons, kill in ((1, None), (2, None), (3, None), (3, args.prospects // 2)):
            url = fresh_database(server, f"bench_{daemons}_{kill or 0}")
            with tempfile.TemporaryDirectory() as work:
                r = scale_run(stack, Path(work), url, daemons=daemons, mailboxes=args.mailboxes,
                              prospects=args.prospects, steps=args.steps, kill_after=kill,
                              budget=1200)
            takeover = f"{r.takeover_seconds:.1f}" if r.takeover_seconds is not None else "-"
            label = f"{daemons}{'+kill' if kill else ''}"
            print(f"{label:>7} {r.expected:>6} {r.seconds:>8.1f} {r.per_minute:>10.0f} "
                  f"{r.lost:>5} {r.duplicates:>5} {takeover:>10}", flush=True)
    finally:
        try:
            next(server_gen)
        except (StopIteration, pytest.fail.Exception):
            pass
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
