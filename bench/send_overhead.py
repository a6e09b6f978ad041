"""Engine overhead: 2,000 messages, pacing off, into a local SMTP sink — engine vs raw aiosmtplib.

Both runs talk to the same sink process over one reused connection; the engine also does
everything it does for real (queue rows committed before and after each send, rendering,
threading headers, events). Prints wall time, the ratio, and per-message CPU ms of this
process (the sink runs in its own process).

    python bench/send_overhead.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosmtplib  # noqa: E402

HERE = Path(__file__).resolve().parent


def start_sink(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file = workdir / "port"
    proc = subprocess.Popen([sys.executable, str(HERE / "smtp_sink.py"), str(port_file)])
    deadline = time.monotonic() + 10
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError("sink did not start")
        time.sleep(0.02)
    return proc, int(port_file.read_text())


async def raw_loop(port: int, count: int) -> None:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    await client.login("rep@sales.example", "x")
    for n in range(count):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "rep@sales.example", f"p{n}@p.example", "Hi"
        msg.set_content(f"Hello {n}")
        await client.send_message(msg)
    await client.quit()


def setup_engine_db(port: int, count: int, workdir: Path) -> object:
    os.environ["OUTREACH_HOME"] = str(workdir / "home")
    os.environ.pop("OUTREACH_DB_URL", None)
    import keyring

    from outreach import accounts
    from outreach.campaigns import service
    from outreach.demo import MemoryKeyring
    from outreach.mailbox.account import make_endpoint
    from outreach.store import open_store, session_scope
    from outreach.store.models import Prospect, ProspectTag

    keyring.set_keyring(MemoryKeyring())
    db = open_store()
    accounts.add_mailbox(db, accounts.NewMailbox(
        email="rep@sales.example", smtp=make_endpoint("smtp", "127.0.0.1", port, "none"),
        imap=make_endpoint("imap", "127.0.0.1", 1, "none"), daily_cap=100_000,
        sent_copy="server"), "x")
    with session_scope(db) as session:
        for n in range(count):
            row = Prospect(email=f"p{n}@p.example", domain="p.example", first_name=f"P{n}",
                           company="Acme")
            session.add(row)
            session.flush()
            session.add(ProspectTag(prospect_id=row.id, tag="b"))
    seq = workdir / "seq.yaml"
    seq.write_text('name: bench\nschedule: {timezone: UTC, days: [mon, tue, wed, thu, fri, sat, '
                   'sun], hours: "00:00-24:00"}\npace: {daily_cap: 100000, gap: 0s-0s}\nsteps:\n'
                   '  - subject: "Hi {{ company }}"\n    body: "Hello {{ first_name }}"\n')
    service.create_campaign(db, "bench", seq, ["rep@sales.example"], tags=["b"])
    service.start_campaign(db, "bench")
    import outreach.engine.runner  # noqa: F401 - imported before the clock starts, like aiosmtplib

    return db


async def engine_run(db: object, count: int) -> None:
    from sqlalchemy import Engine
    from sqlmodel import Session, func, select

    from outreach.engine.config import EngineConfig
    from outreach.services import send_engine
    from outreach.store.models import Send

    assert isinstance(db, Engine)
    engine = send_engine(db, EngineConfig(pacing=False, poll_interval=5.0))
    done = asyncio.Event()

    def on_event(kind: str, _info: dict[str, object]) -> None:
        nonlocal sent
        sent += kind == "sent"
        if sent >= count:
            done.set()

    sent = 0
    engine.on_event = on_event
    task = asyncio.create_task(engine.run())
    await done.wait()
    engine.stop()
    await task
    with Session(db) as session:
        assert session.exec(select(func.count()).select_from(Send).where(
            Send.state == "sent")).one() == count


def measure(label: str, run: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run)  # type: ignore[arg-type]
    return time.perf_counter() - wall, time.process_time() - cpu


def one_run(kind: str, port: int, n: int, workdir: Path) -> None:
    """One measured run in this (fresh) process: prints wall seconds and CPU seconds."""
    if kind == "raw":
        wall, cpu = measure("raw", raw_loop(port, n))
    else:
        db = setup_engine_db(port, n, workdir)
        wall, cpu = measure("engine", engine_run(db, n))
    print(f"{wall} {cpu}")


def run_in_child(kind: str, port: int, n: int, workdir: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, "--port", str(port), "--messages", str(n),
         "--workdir", str(workdir)],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="raw and engine runs alternate this many times (median ratio)")
    parser.add_argument("--one", choices=["raw", "engine"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.messages
    if args.one:
        one_run(args.one, args.port, n, args.workdir)
        return
    rounds: list[tuple[float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sink, port = start_sink(Path(tmp))
        try:
            for r in range(args.rounds):  # each run in a fresh process: no state carried over
                workdir = Path(tmp) / f"round{r}"
                workdir.mkdir()
                raw_wall, raw_cpu = run_in_child("raw", port, n, workdir)
                eng_wall, eng_cpu = run_in_child("engine", port, n, workdir)
                rounds.append((raw_wall, raw_cpu, eng_wall, eng_cpu))
        finally:
            sink.terminate()
            sink.wait()
    print(f"messages: {n} per run, {args.rounds} rounds (raw then engine, each in a fresh "
          f"process, same sink)")
    for r, (raw_wall, raw_cpu, eng_wall, eng_cpu) in enumerate(rounds, 1):
        print(f"round {r}: raw aiosmtplib {raw_wall:6.2f} s wall, {raw_cpu / n * 1000:5.2f} ms "
              f"CPU/msg | engine {eng_wall:6.2f} s wall, {eng_cpu / n * 1000:5.2f} ms CPU/msg | "
              f"ratio {eng_wall / raw_wall:.2f}x")
    ratios = sorted(eng_wall / raw_wall for raw_wall, _, eng_wall, _ in rounds)
    cpu = sorted(eng_cpu / raw_cpu for _, raw_cpu, _, eng_cpu in rounds)
    print(f"ratio engine/raw (wall), median of {len(ratios)}: {statistics.median(ratios):.2f}x "
          f"(goal ≤ 1.3x); CPU ratio median {statistics.median(cpu):.2f}x")


if __name__ == "__main__":
    main()
