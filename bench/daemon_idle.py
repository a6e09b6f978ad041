"""An idle daemon watching 200 mailboxes over IDLE: RSS, CPU %, threads and connections.

One IMAP connection per mailbox (goal: connections ≤ mailboxes; it fetches and IDLEs).

The embedded sandbox (in this process) plays 200 IMAP/SMTP accounts; ``outreach daemon``
runs as a subprocess against them. Once every mailbox holds its IDLE connection the
daemon is sampled for ``--seconds`` (goal: < 300 MB RSS, < 2 % of a core). The window spans
several watcher beats (60 s) and engine refreshes (30 s): a shorter one can miss them all.

    python bench/daemon_idle.py [--mailboxes 200] [--seconds 150]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring.core  # noqa: E402
import psutil  # noqa: E402

from outreach import accounts  # noqa: E402
from outreach.mailbox.account import make_endpoint  # noqa: E402
from outreach.sandbox import Sandbox  # noqa: E402
from outreach.store import open_store  # noqa: E402


def imap_connections(proc: psutil.Process, port: int) -> int:
    return sum(1 for c in proc.net_connections(kind="tcp")
               if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--settle", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox() as sandbox:
        env = {**os.environ, "OUTREACH_HOME": f"{tmp}/home", "XDG_DATA_HOME": f"{tmp}/xdg",
               "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
        env.pop("OUTREACH_DB_URL", None)
        os.environ.update({k: env[k] for k in ("OUTREACH_HOME", "XDG_DATA_HOME",
                                               "PYTHON_KEYRING_BACKEND")})
        keyring.core.init_backend()
        db = open_store()
        ep = sandbox.endpoints
        for n in range(args.mailboxes):
            address = f"rep{n}@sales.example"
            sandbox.add_user(address, "pw")
            accounts.add_mailbox(db, accounts.NewMailbox(
                email=address, smtp=make_endpoint("smtp", ep.host, ep.smtp_port, "none"),
                imap=make_endpoint("imap", ep.host, ep.imap_port, "none")), "pw")
        daemon = subprocess.Popen([sys.executable, "-m", "outreach", "daemon"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL)
        proc = psutil.Process(daemon.pid)
        started = time.monotonic()
        while imap_connections(proc, ep.imap_port) < args.mailboxes:
            if time.monotonic() - started > 60 + args.mailboxes * 0.2:
                raise TimeoutError(f"only {imap_connections(proc, ep.imap_port)} connections")
            time.sleep(0.2)
        ready = time.monotonic() - started
        time.sleep(args.settle)  # first looks at every mailbox finish before we measure
        cpu_before, wall_before = sum(proc.cpu_times()[:2]), time.monotonic()
        time.sleep(args.seconds)  # the measurement window: the daemon is left alone
        cpu = (sum(proc.cpu_times()[:2]) - cpu_before) / (time.monotonic() - wall_before)
        rss = proc.memory_info().rss / 2**20
        print(f"mailboxes watched: {args.mailboxes} (all IDLE after {ready:.1f} s)")
        print(f"idle CPU: {cpu * 100:.2f} % of a core (goal < 2 %)")
        print(f"RSS: {rss:.0f} MB (goal < 300 MB)")
        held = imap_connections(proc, ep.imap_port)
        print(f"IMAP connections: {held} (goal ≤ {args.mailboxes}: one per mailbox)")
        print(f"threads: {proc.num_threads()}, all TCP: {len(proc.net_connections())}")
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(20)


if __name__ == "__main__":
    main()
