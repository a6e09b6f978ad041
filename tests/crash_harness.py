"""Kill the engine with SIGKILL at random moments and count what reached the recipients.

Shared by the CI test (few kills) and ``bench/crash.py`` (≥ 30 kills, ≥ 300 messages).
Everything runs through the real CLI in subprocesses against the real mail stack; the
verdict is read from the recipients' mailboxes (Message-IDs), not from our database.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.mailstack import REP, MailStack
from tests.polling import until_sync

SEQUENCE = """\
name: crash test
schedule: {{timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}}
pace: {{daily_cap: 100000, gap: 0s-0s}}
steps:
{steps}
"""


def _step_yaml(index: int) -> str:
    head = 'subject: "Crash test {{ company }}"' if index == 0 else "wait: 0s"
    return f'  - {head}\n    body: "Hi {{{{ first_name }}}}, step {index + 1}."'


KILL_WINDOW = 0.1
"""Seconds after a cycle's first send within which the kill falls (uniformly). The engine
sends a message in a few milliseconds with pacing off, so a longer window would let a
cycle finish much of the run and leave too few kills."""


@dataclass(frozen=True)
class CrashResult:
    kills: int
    expected: int
    delivered: int
    lost: int
    duplicates: int
    seconds: float


class Harness:
    def __init__(
        self, stack: MailStack, workdir: Path, prospects: int, steps: int, sent_copy: str
    ) -> None:
        self.stack, self.workdir, self.sent_copy = stack, workdir, sent_copy
        tag = uuid.uuid4().hex[:8]
        self.prospects = [f"c{n}-{tag}@prospects.test" for n in range(prospects)]
        self.steps = steps
        self.db_path = workdir / "home" / "outreach.db"
        self.env = {
            **os.environ,
            "OUTREACH_HOME": str(workdir / "home"),
            "XDG_DATA_HOME": str(workdir / "xdg"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "SSL_CERT_FILE": str(stack.ca_file),
        }
        self.env.pop("OUTREACH_DB_URL", None)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "outreach", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"outreach {' '.join(args)} failed:\n{result.stderr}{result.stdout}")
        return result.stdout

    def prepare(self) -> None:
        for address in self.prospects:
            self.stack.add_user(address, "pw")
        s = self.stack
        self.cli(
            "mailbox",
            "add",
            REP.address,
            "--smtp-host",
            s.host,
            "--smtp-port",
            str(s.smtp_port),
            "--imap-host",
            s.host,
            "--imap-port",
            str(s.imaps_port),
            "--daily-cap",
            "100000",
            "--sent-copy",
            self.sent_copy,
            "--password-stdin",
            stdin=REP.password + "\n",
        )
        csv = self.workdir / "prospects.csv"
        csv.write_text(
            "email,first_name,company\n"
            + "".join(f"{p},N{n},Co{n}\n" for n, p in enumerate(self.prospects))
        )
        self.cli("prospects", "import", str(csv), "--tag", "crash")
        steps = "\n".join(_step_yaml(i) for i in range(self.steps))
        (self.workdir / "seq.yaml").write_text(SEQUENCE.format(steps=steps))
        self.cli(
            "campaign",
            "create",
            "crash",
            "--sequence",
            str(self.workdir / "seq.yaml"),
            "--mailbox",
            REP.address,
            "--tag",
            "crash",
        )
        self.cli("campaign", "start", "crash", "--no-verify")

    def sent_count(self) -> int:
        with sqlite3.connect(self.db_path, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM send WHERE state='sent'").fetchone()[0])

    def engine(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "outreach", "run", "--poll", "0.5"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_during_sending(self, rng: random.Random, deadline: float) -> bool:
        """Start the engine, wait until it sends, SIGKILL it a random moment later."""
        before = self.sent_count()
        proc = self.engine()
        try:
            until_sync(self.sent_count, deadline - time.monotonic(), what="the engine's next send",
                       ok=lambda n: n != before, guard=running(proc), step=0.01)
            time.sleep(rng.uniform(0.0, KILL_WINDOW))  # the random moment of the kill
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        return self.sent_count() < self.expected

    @property
    def expected(self) -> int:
        return len(self.prospects) * self.steps

    def finish(self, deadline: float) -> None:
        proc = self.engine()
        try:
            until_sync(self.sent_count, deadline - time.monotonic(),
                       what=f"all {self.expected} sends", ok=lambda n: n >= self.expected,
                       step=0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)

    def delivered_ids(self) -> Counter[str]:
        ids: Counter[str] = Counter()
        for address in self.prospects:
            self.stack.wait_for_messages(address, self.steps, timeout=30)
            with self.stack.imap_client(address, "pw") as client:
                client.select_folder("INBOX", readonly=True)
                uids = client.search("ALL")
                for data in client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).values():
                    raw = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode()
                    ids[raw.split(":", 1)[1].strip()] += 1
        return ids

    def expected_ids(self) -> set[str]:
        with sqlite3.connect(self.db_path) as conn:
            return {row[0] for row in conn.execute("SELECT message_id FROM send")}


def crash_run(
    stack: MailStack,
    workdir: Path,
    *,
    prospects: int,
    steps: int,
    kills: int,
    seed: int = 0,
    budget: float = 600.0,
    sent_copy: str = "plus",
) -> CrashResult:
    started = time.monotonic()
    deadline = started + budget
    harness = Harness(stack, workdir, prospects, steps, sent_copy)
    harness.prepare()
    rng = random.Random(seed)
    done_kills = 0
    while done_kills < kills and harness.kill_during_sending(rng, deadline):
        done_kills += 1
    harness.finish(deadline)
    delivered = harness.delivered_ids()
    expected = harness.expected_ids()
    lost = len(expected - set(delivered))
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    return CrashResult(
        done_kills,
        len(expected),
        sum(delivered.values()),
        lost,
        duplicates,
        time.monotonic() - started,
    )


def running(proc: subprocess.Popen[bytes]) -> Callable[[], None]:
    """A wait's guard: fail at once when the engine process exited."""

    def check() -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"engine exited with {proc.returncode}")

    return check
