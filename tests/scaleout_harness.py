"""Several daemons on one PostgreSQL sharing mailboxes; one is SIGKILLed mid-run.

Shared by the acceptance test and ``bench/scaleout.py``. Daemons are real subprocesses
(``outreach daemon``) against the real mail stack; deliveries are counted by Message-ID in
the recipients' mailboxes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keyring.core
from sqlalchemy import func, select, text
from sqlmodel import Session, col

from outreach import accounts
from outreach.campaigns import service
from outreach.mailbox.account import make_endpoint
from outreach.store import open_store, session_scope
from outreach.store.models import EngineInstance, MailboxLease, Prospect, ProspectTag, Send
from tests.fixtures.mailstack import MailStack
from tests.polling import TimedOut, until_sync

SEQUENCE = """\
name: scale-out
schedule: {{timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}}
pace: {{daily_cap: 100000, gap: 0s-0s}}
steps:
{steps}
"""


@dataclass(frozen=True)
class ScaleResult:
    daemons: int
    expected: int
    delivered: int
    lost: int
    duplicates: int
    seconds: float
    takeover_seconds: float | None

    @property
    def per_minute(self) -> float:
        return self.expected / self.seconds * 60


class ScaleOut:
    def __init__(self, stack: MailStack, workdir: Path, db_url: str, mailboxes: int,
                 prospects: int, steps: int) -> None:
        self.stack, self.workdir, self.db_url = stack, workdir, db_url
        self.tag = uuid.uuid4().hex[:6]
        self.reps = [f"r{n}-{self.tag}@sales.test" for n in range(mailboxes)]
        self.prospects = [f"s{n}-{self.tag}@prospects.test" for n in range(prospects)]
        self.steps = steps
        self.env = {**os.environ, "OUTREACH_DB_URL": db_url,
                    "OUTREACH_HOME": str(workdir / "home"),
                    "XDG_DATA_HOME": str(workdir / "xdg"),
                    "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
                    "SSL_CERT_FILE": str(stack.ca_file)}
        self.procs: list[subprocess.Popen[bytes]] = []

    def prepare(self) -> None:
        for key in ("XDG_DATA_HOME", "PYTHON_KEYRING_BACKEND", "OUTREACH_HOME"):
            os.environ[key] = self.env[key]
        keyring.core.init_backend()
        for address in [*self.reps, *self.prospects]:
            self.stack.add_user(address, "pw")
        db = open_store(self.db_url)
        s = self.stack
        for rep in self.reps:
            accounts.add_mailbox(db, accounts.NewMailbox(
                email=rep, smtp=make_endpoint("smtp", s.host, s.smtp_port, "starttls"),
                imap=make_endpoint("imap", s.host, s.imaps_port, "tls"), daily_cap=100_000,
                sent_copy="plus"), "pw")
        with session_scope(db) as session:
            for n, email in enumerate(self.prospects):
                row = Prospect(email=email, domain="prospects.test", first_name=f"S{n}")
                session.add(row)
                session.flush()
                session.add(ProspectTag(prospect_id=row.id, tag=self.tag))
        steps = "\n".join(
            f'  - {{subject: "Scale {n}", body: "Hi {{{{ first_name }}}}"}}' if n == 0
            else '  - {wait: 0s, body: "Again"}' for n in range(self.steps))
        (self.workdir / "seq.yaml").write_text(SEQUENCE.format(steps=steps))
        service.create_campaign(db, "scale", self.workdir / "seq.yaml", self.reps, tags=[self.tag])
        service.start_campaign(db, "scale")

    def start_daemons(self, count: int, lease_ttl: float) -> None:
        for n in range(count):
            log = open(self.workdir / f"daemon{n}.log", "wb")  # noqa: SIM115 - closed by the OS
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "outreach", "daemon", "--no-watcher", "--no-pacing",
                 "--poll", "0.5", "--heartbeat", str(lease_ttl / 5), "--lease-ttl",
                 str(lease_ttl), "--log-format", "json"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))

    def sent(self) -> int:
        with Session(open_store(self.db_url)) as session:
            return int(session.execute(select(func.count()).select_from(Send)
                                       .where(col(Send.state) == "sent")).scalar_one())

    def holders(self) -> dict[int, str | None]:
        with Session(open_store(self.db_url)) as session:
            rows = session.execute(select(col(MailboxLease.mailbox_id), col(MailboxLease.holder))
                                   .where(col(MailboxLease.expires_at) > text("now()"))).all()
        return dict(rows)

    def pid_holders(self) -> dict[int, str]:
        with Session(open_store(self.db_url)) as session:
            return dict(session.execute(
                select(col(EngineInstance.pid), col(EngineInstance.id))
                .where(col(EngineInstance.stopped_at).is_(None))).all())

    def wait(self, condition: Callable[[], bool], deadline: float, what: str) -> None:
        """Until ``condition()``; fail when ``deadline`` (a monotonic time) passes or a
        daemon we did not kill exited."""
        try:
            until_sync(condition, deadline - time.monotonic(), what=what,
                       guard=self.daemons_alive, step=0.05)
        except TimedOut as error:
            raise TimedOut(f"{error}; sent {self.sent()}\n{self.log_tails()}") from None

    def daemons_alive(self) -> None:
        for proc in self.procs:
            if proc.poll() not in (None, -signal.SIGKILL):
                raise RuntimeError(f"daemon exited with {proc.returncode}")

    def log_tails(self, lines: int = 15) -> str:
        tails = []
        for n in range(len(self.procs)):
            text_lines = (self.workdir / f"daemon{n}.log").read_text(errors="replace").splitlines()
            tails.append(f"--- daemon{n} ---\n" + "\n".join(text_lines[-lines:]))
        return "\n".join(tails)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.wait(15)

    def delivered_ids(self) -> Counter[str]:
        ids: Counter[str] = Counter()
        for address in self.prospects:
            with self.stack.imap_client(address, "pw") as client:
                client.select_folder("INBOX", readonly=True)
                fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
                for data in fetched.values():
                    raw = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode()
                    ids[raw.split(":", 1)[1].strip()] += 1
        return ids

    def expected_ids(self) -> set[str]:
        with Session(open_store(self.db_url)) as session:
            return set(session.execute(select(col(Send.message_id))).scalars().all())


def scale_run(stack: MailStack, workdir: Path, db_url: str, *, daemons: int, mailboxes: int,
              prospects: int, steps: int, kill_after: int | None, lease_ttl: float = 6.0,
              budget: float = 300.0) -> ScaleResult:
    run = ScaleOut(stack, workdir, db_url, mailboxes, prospects, steps)
    run.prepare()
    expected = prospects * steps
    started = time.monotonic()
    deadline = started + budget
    run.start_daemons(daemons, lease_ttl)
    takeover: float | None = None
    try:
        if kill_after is not None:
            run.wait(lambda: run.sent() >= kill_after, deadline, f"{kill_after} sends")
            takeover = _kill_and_time_takeover(run, deadline)
        run.wait(lambda: run.sent() >= expected, deadline, "every send")
        seconds = time.monotonic() - started
    finally:
        run.stop()
    stack.wait_for_messages(run.prospects[-1], steps, timeout=30)
    delivered = run.delivered_ids()
    lost = len(run.expected_ids() - set(delivered))
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    return ScaleResult(daemons, expected, sum(delivered.values()), lost, duplicates, seconds,
                       takeover)


def _kill_and_time_takeover(run: ScaleOut, deadline: float) -> float:
    victim = run.procs[0]
    victim_id = run.pid_holders()[victim.pid]
    held = {m for m, holder in run.holders().items() if holder == victim_id}
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed_at = time.monotonic()

    def taken_over() -> bool:
        holders = run.holders()
        return all(holders.get(m) not in (None, victim_id) for m in held)

    run.wait(taken_over, deadline, "takeover of the dead daemon's mailboxes")
    return time.monotonic() - killed_at
