"""Syncing a mailbox against the sandbox's IMAP server: first look, UIDs, UIDVALIDITY,
read-only access, IDLE and polling."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach.sandbox import Sandbox
from outreach.services import inbox_watcher
from outreach.store import open_store, session_scope
from outreach.store.models import Enrollment, Event, MailboxSyncState, Send, utcnow
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD, imap_session
from tests.polling import until
from tests.test_watcher_support import (
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    reply_to,
    sends_to,
    states,
)

ANNA, BEN = "anna@acme.example", "ben@beta.example"


def setup_campaign(sandbox: Sandbox, tmp_path: Path) -> tuple[Engine, int]:
    """A started campaign whose first mails count as sent two days ago (nothing is sent)."""
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, [ANNA, BEN])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1d"), [REP_ADDRESS])
    with session_scope(db) as session:
        for send in session.exec(select(Send)):
            send.state, send.sent_at = "sent", utcnow() - timedelta(days=2)
            session.add(send)
    return db, sends_to(db, ANNA)[0].mailbox_id


def append(sandbox: Sandbox, folder: str, raw: bytes, when: datetime | None = None) -> None:
    with imap_session(sandbox) as imap:
        imap.append(folder, raw, msg_time=when)


async def test_first_look_starts_at_the_first_send(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    append(sandbox, "INBOX", reply_to(BEN, REP_ADDRESS).as_bytes(), utcnow() - timedelta(days=10))
    append(sandbox, "INBOX", reply_to(ANNA, REP_ADDRESS).as_bytes())

    await inbox_watcher(db, fast_watcher_config()).check(mailbox_id)

    assert states(db) == {ANNA: ("replied", "reply"), BEN: ("active", None)}


async def test_read_only_and_never_twice(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS).as_bytes())
    sandbox.inject(REP_ADDRESS, reply_to("news@shop.example", REP_ADDRESS).as_bytes())
    watcher = inbox_watcher(db, fast_watcher_config())

    await watcher.check(mailbox_id)
    await watcher.check(mailbox_id)
    await inbox_watcher(db, fast_watcher_config()).check(mailbox_id)  # a restart

    assert [row.from_addr for row in inbound_rows(db)] == [ANNA]  # the newsletter is not stored
    with Session(db) as session:
        assert len(session.exec(select(Event).where(Event.kind == "reply")).all()) == 1
        state = session.exec(
            select(MailboxSyncState).where(MailboxSyncState.folder == "INBOX")
        ).one()
    with imap_session(sandbox) as imap:
        imap.select_folder("INBOX", readonly=True)
        flags = imap.get_flags(imap.search("ALL"))
    assert len(flags) == 2 and all(b"\\Seen" not in f for f in flags.values())
    assert state.last_uid == max(flags)


async def test_a_reply_after_the_sequence_ended_is_recorded_and_linked(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    with session_scope(db) as session:
        enrollment = session.get_one(Enrollment, enrollment_of(db, ANNA).id)
        enrollment.state = "finished"
        session.add(enrollment)
    sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS, subject="Late answer").as_bytes())

    await inbox_watcher(db, fast_watcher_config()).check(mailbox_id)

    assert states(db)[ANNA] == ("finished", None)
    [row] = inbound_rows(db)
    assert (row.kind, row.enrollment_id, row.subject) == ("reply", enrollment.id, "Late answer")
    assert row.details["actions"] == []


async def test_uidvalidity_reset_rescans_by_date_without_repeats(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    ben_reply = reply_to(BEN, REP_ADDRESS).as_bytes()
    append(sandbox, "Junk", ben_reply)
    watcher = inbox_watcher(db, fast_watcher_config())
    await watcher.check(mailbox_id)
    with session_scope(db) as session:  # the last look was a while ago
        junk = session.get_one(MailboxSyncState, (mailbox_id, "Junk"))
        junk.updated_at = utcnow() - timedelta(hours=5)
        session.add(junk)
        before = junk.uidvalidity
    with imap_session(sandbox) as imap:  # the server rebuilt the folder: new UIDVALIDITY
        imap.delete_folder("Junk")
        imap.create_folder("Junk")
        imap.append("Junk", ben_reply)
        imap.append("Junk", reply_to(ANNA, REP_ADDRESS).as_bytes())

    await watcher.check(mailbox_id)

    assert states(db) == {ANNA: ("replied", "reply"), BEN: ("replied", "reply")}
    assert sorted(row.from_addr or "" for row in inbound_rows(db)) == [ANNA, BEN]
    with Session(db) as session:
        assert session.get_one(MailboxSyncState, (mailbox_id, "Junk")).uidvalidity != before


def watching(db: Engine) -> list[MailboxSyncState]:
    with Session(db) as session:
        return list(session.exec(select(MailboxSyncState)))


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
async def test_the_running_watcher_notices_a_reply(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path, idle: bool
) -> None:
    db, _mailbox_id = setup_campaign(sandbox, tmp_path)
    # With IDLE the poll interval is far longer than the deadline: only IDLE can wake it.
    watcher = inbox_watcher(db, fast_watcher_config(idle=idle, poll_interval=60.0 if idle else 0.3))
    task = asyncio.create_task(watcher.run())
    try:
        await until(lambda: watching(db), 5, what="the watcher's first look")
        began = time.monotonic()
        sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS).as_bytes())
        await until(lambda: states(db)[ANNA][0], 3, what="anna replied", ok=lambda state: state == "replied")
        assert time.monotonic() - began < 2.0
    finally:
        watcher.stop()
        await asyncio.wait_for(task, 10)


async def test_recheck_sees_what_arrived_just_before(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    watcher = inbox_watcher(db, fast_watcher_config())
    await watcher.recheck(mailbox_id)  # connects and takes the first look
    for _ in range(3):
        await watcher.recheck(mailbox_id)
    sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS).as_bytes())
    await watcher.recheck(mailbox_id)
    assert states(db)[ANNA] == ("replied", "reply")
    await watcher.watches[mailbox_id].close()


async def test_recheck_survives_a_connection_the_server_dropped(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    db, mailbox_id = setup_campaign(sandbox, tmp_path)
    watcher = inbox_watcher(db, fast_watcher_config())
    await watcher.recheck(mailbox_id)
    kept = watcher.watches[mailbox_id]._client
    assert kept is not None
    kept.client.shutdown()  # as a server does with a connection idle for too long
    sandbox.inject(REP_ADDRESS, reply_to(ANNA, REP_ADDRESS).as_bytes())
    await watcher.recheck(mailbox_id)
    assert states(db)[ANNA] == ("replied", "reply")
    await watcher.watches[mailbox_id].close()
