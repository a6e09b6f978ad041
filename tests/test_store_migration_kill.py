"""An upgrade killed at any moment: the next start works and every row is still there.

``outreach init`` runs in a child process on a copy of a schema-0002 database full of rows;
the child is SIGKILLed at a random moment of its upgrade, then ``outreach init`` runs again
and must reach the head schema with every row of every table unchanged.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from outreach.store.migrate import head_revision
from tests.store_support import Dump, database_at, dump_of

ROOT = Path(__file__).resolve().parent.parent
WHOLE_BACKUP = re.compile(r"outreach\.db\.bak-\d{8}T\d{6}-[0-9a-f]{6}")
KILLS = int(os.environ.get("OUTREACH_KILLS", "30"))

# The child imports everything first, says so, then runs `outreach init`: the kill delay is
# measured from that line, so kills land in the upgrade rather than in Python's start-up.
CHILD = "\n".join(
    [
        "from outreach.cli import cli",
        "print('ready', flush=True)",
        "cli(['init'], prog_name='outreach')",
    ]
)
# The same, reporting how long the `init` itself took (the window the kills aim at).
TIMED_CHILD = "\n".join(
    [
        "import time",
        "from outreach.cli import cli",
        "print('ready', flush=True)",
        "started = time.monotonic()",
        "cli(['init'], prog_name='outreach', standalone_mode=False)",
        "print(time.monotonic() - started, flush=True)",
    ]
)


def _env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OUTREACH_DB_URL": f"sqlite:///{db}",
        "OUTREACH_HOME": str(db.parent / "home"),
    }


def _start(db: Path, code: str = CHILD) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=_env(db), cwd=db.parent, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def _init(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "outreach", "init"], env=_env(db), cwd=db.parent, text=True,
        capture_output=True, timeout=120, check=False,
    )


def _revision(db: Path) -> str | None:
    import sqlite3

    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _copy(template: Path, into: Path) -> Path:
    into.mkdir()
    db = into / "outreach.db"
    shutil.copyfile(template, db)
    db.chmod(0o600)
    return db


def _upgrade_seconds(template: Path, tmp_path: Path) -> float:
    db = _copy(template, tmp_path / "timed")
    child = _start(db, TIMED_CHILD)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return float(out.strip().splitlines()[-1])


def _moment(db: Path) -> str:
    """Where the kill landed, judged from what it left behind."""
    if _revision(db) == head_revision():
        return "after the upgrade committed"
    if any(WHOLE_BACKUP.fullmatch(p.name) for p in db.parent.iterdir()):
        return "during the migration (backup written)"
    if any(".partial" in p.name for p in db.parent.iterdir()):
        return "while writing the backup"
    return "before the backup"


@pytest.mark.slow
def test_kill_9_during_upgrade_never_breaks_the_next_start(tmp_path: Path) -> None:
    template = tmp_path / "schema-0002.db"
    before: Dump = database_at(template, "0002", rows_per_table=400)
    window = _upgrade_seconds(template, tmp_path)
    rng = random.Random(os.environ.get("OUTREACH_KILL_SEED", "16"))
    moments: Counter[str] = Counter()
    for attempt in range(KILLS):
        db = _copy(template, tmp_path / f"kill-{attempt}")
        child = _start(db)
        time.sleep(rng.uniform(0, window))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
        moments[_moment(db)] += 1

        again = _init(db)
        assert again.returncode == 0, f"kill {attempt}: {again.stderr}"
        assert "Traceback" not in again.stderr
        assert _revision(db) == head_revision(), f"kill {attempt}"
        assert dump_of(db, before) == before, f"kill {attempt}: rows changed"
        whole = [p for p in db.parent.iterdir() if WHOLE_BACKUP.fullmatch(p.name)]
        assert whole, f"kill {attempt}: no backup kept"
        assert all(dump_of(p, before) == before for p in whole), f"kill {attempt}: bad backup"
    print(f"\n{KILLS} kills in a {window:.2f} s upgrade, {KILLS} recovered: {dict(moments)}")
    assert sum(moments.values()) == KILLS
