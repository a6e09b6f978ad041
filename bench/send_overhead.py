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
    from outreach.engine.runner import SendEngine
    from outreach.store.models import Send

    assert isinstance(db, Engine)
    engine = SendEngine(db, EngineConfig(pacing=False, poll_interval=5.0))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    n = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sink, port = start_sink(workdir)
        try:
            raw_wall, raw_cpu = measure("raw", raw_loop(port, n))
            db = setup_engine_db(port, n, workdir)
            eng_wall, eng_cpu = measure("engine", engine_run(db, n))
        finally:
            sink.terminate()
            sink.wait()
    print(f"messages: {n}")
    print(f"raw aiosmtplib: {raw_wall:7.2f} s wall, {raw_cpu / n * 1000:6.2f} ms CPU/message")
    print(f"engine:         {eng_wall:7.2f} s wall, {eng_cpu / n * 1000:6.2f} ms CPU/message")
    print(f"ratio engine/raw (wall): {eng_wall / raw_wall:.2f}x   (goal ≤ 1.3x)")


if __name__ == "__main__":
    main()
