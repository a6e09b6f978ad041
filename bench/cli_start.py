"""CLI start-up: how long each command takes, next to a bare Python start.

Runs every command 10 times in a fresh process (alternating, so a busy moment hurts all
alike) against a database in a temporary $OUTREACH_HOME holding a started campaign
(``--prospects``, default 10,000, with custom CSV columns; a third of the first emails sent
over the last two days, the rest queued), and prints each median with its ratio to
``python -c pass`` and to ``python -c "import outreach"`` measured in the same run. Goals
on a quiet machine: ``--help`` ≤ 150 ms; ``status``, ``mailbox list`` and
``sequence check FILE`` ≤ 300 ms.

The package's bytecode is compiled first, as ``pip install`` does (a source checkout with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run).

    python bench/cli_start.py [--runs 10] [--prospects 10000]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "sequences" / "example-en.yaml"
OUTREACH = [sys.executable, "-m", "outreach"]

BASELINES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    'python -c "import outreach"': [sys.executable, "-c", "import outreach"],
    # the floor of every command that reads the database: the DB libraries alone
    'python -c "import sqlmodel"': [sys.executable, "-c", "import sqlmodel"],
}
COMMANDS = {
    "outreach --help": [*OUTREACH, "--help"],
    "outreach status": [*OUTREACH, "status"],
    "outreach mailbox list": [*OUTREACH, "mailbox", "list"],
    "outreach sequence check FILE": [*OUTREACH, "sequence", "check", str(EXAMPLE)],
}
GOALS = {"outreach --help": 0.150}  # every other command: 0.300


def wall(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit of one run (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def medians(runs: int, env: dict[str, str]) -> dict[str, float]:
    """The median wall time of every baseline and command, over ``runs`` interleaved rounds."""
    argvs = {**BASELINES, **COMMANDS}
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(wall(argv, env))
    return {name: statistics.median(values) for name, values in times.items()}


def report(result: dict[str, float]) -> None:
    bare = result["python -c pass"]
    package = result['python -c "import outreach"']
    print(f"{'':34} {'median':>8} {'× pass':>7} {'× import':>9}  goal")
    for name, seconds in result.items():
        goal = GOALS.get(name, 0.300) if name in COMMANDS else None
        verdict = "" if goal is None else f"≤ {goal * 1000:.0f} ms " + (
            "ok" if seconds <= goal else "MISSED")
        print(f"{name:34} {seconds * 1000:6.0f}ms {seconds / bare:6.2f}× "
              f"{seconds / package:8.2f}×  {verdict}")


def populate(home: str, prospects: int) -> None:
    """A started campaign (the TUI benchmark's seed), custom columns, a third of it sent."""
    from sqlalchemy import text

    from bench.tui_startup import seed
    from outreach.store import open_store

    url = f"sqlite:///{home}/outreach.db"
    seed(url, prospects, Path(home))
    with open_store(url).begin() as conn:
        conn.execute(text("""UPDATE prospect SET fields = '{"Branche": "IT", "Stadt": "Köln"}'"""))
        conn.execute(text(
            "UPDATE send SET state = 'sent', sent_at = datetime('now', '-' || (id % 48) || "
            "' hours') WHERE id % 3 = 0"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--prospects", type=int, default=10_000)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "outreach", quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OUTREACH_HOME": home, "PYTHONPATH": str(ROOT)}
        env.pop("OUTREACH_DB_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([*OUTREACH, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        populate(home, args.prospects)
        report(medians(args.runs, env))


if __name__ == "__main__":
    main()
