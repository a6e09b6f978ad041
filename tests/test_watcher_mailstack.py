"""The watcher with the engine against the real Postfix + Dovecot stack.

Each test gets a fresh rep mailbox; prospects are the stack's seed users (their INBOXes
are shared by the session, which does not matter: the watcher reads the rep's mailbox).
"""

from __future__ import annotations

import asyncio
import email.policy
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from outreach.prospects.suppression import is_suppressed
from outreach.services import inbox_watcher
from outreach.store import open_store
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import REP2, MailStack
from tests.test_watcher_support import (
    Services,
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    out_of_office,
    reply_to,
    sends_to,
    states,
    unique_local,
)

pytestmark = pytest.mark.mailstack

ALICE, CAROL = "alice@prospects.test", "carol@prospects.test"
DAVE, ERIN = "dave@acme.test", "erin@acme.test"


def new_rep(mailstack: MailStack) -> tuple[str, str]:
    address = f"{unique_local('rep')}@sales.test"
    mailstack.add_user(address, "rep-secret")
    return address, "rep-secret"


def campaign(
    mailstack: MailStack,
    tmp_path: Path,
    prospects: list[str],
    *,
    auto: str = "false",
    wait: str = "2s",
) -> tuple[Engine, str]:
    """A started campaign from a fresh rep to ``prospects`` (mail via STARTTLS, IMAPS)."""
    rep, password = new_rep(mailstack)
    db = open_store()
    add_mailbox(
        db,
        rep,
        password,
        mailstack.host,
        mailstack.smtp_port,
        mailstack.imaps_port,
        security="starttls",
        insecure=True,
    )
    add_prospects(db, prospects)
    start_campaign(
        db, "c", write_sequence(tmp_path / "s.yaml", wait=wait, gap="0s", auto=auto), [rep]
    )
    return db, rep


async def submit(mailstack: MailStack, message: EmailMessage) -> None:
    """Hand ``message`` to Postfix (as REP2; the stack does not check the From)."""
    async with mailstack.smtp_client(REP2.address, REP2.password) as smtp:
        await smtp.send_message(message)


def first_message_id(db: Engine, prospect: str) -> str:
    return sends_to(db, prospect)[0].message_id


def has_sent(db: Engine, prospect: str, steps: int = 1):  # type: ignore[no-untyped-def]
    return lambda: len(sends_to(db, prospect)) >= steps


async def test_threaded_reply_stops_the_prospect_and_the_company(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE, CAROL, DAVE])
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(has_sent(db, ALICE), what=f"a send to {ALICE}")
        await submit(mailstack, reply_to(ALICE, rep, in_reply_to=first_message_id(db, ALICE)))
        await services.until(lambda: states(db)[DAVE][0], what=f"{DAVE} finished",
                             ok=lambda state: state == "finished")

    assert states(db) == {
        ALICE: ("replied", "reply"),
        CAROL: ("stopped", "company_reply"),
        DAVE: ("finished", None),
    }
    assert len(sends_to(db, ALICE)) == 1
    assert len(sends_to(db, CAROL)) <= 1
    [row] = inbound_rows(db)
    assert (row.kind, row.from_addr, row.details["via"]) == ("reply", ALICE, "thread")
    assert row.enrollment_id == enrollment_of(db, ALICE).id
    assert row.new_text == "Thanks, that sounds interesting. Can we talk on Tuesday?"


async def test_reply_without_in_reply_to_matches_by_sender(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE, DAVE, ERIN])
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(has_sent(db, DAVE), what=f"a send to {DAVE}")
        await submit(mailstack, reply_to(DAVE, rep, subject="Your mail"))
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} finished",
                             ok=lambda state: state == "finished")

    assert states(db) == {
        ALICE: ("finished", None),
        DAVE: ("replied", "reply"),
        ERIN: ("stopped", "company_reply"),
    }
    assert len(sends_to(db, DAVE)) == 1
    assert [row.details["via"] for row in inbound_rows(db)] == ["sender"]


async def test_colleague_at_the_same_company_stops_its_prospects(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE, DAVE, ERIN])
    colleague = f"{unique_local('frank')}@acme.test"
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: has_sent(db, DAVE)() and has_sent(db, ERIN)(),
                             what=f"sends to {DAVE} and {ERIN}")
        await submit(mailstack, reply_to(colleague, rep, subject="About your mail to Dave"))
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} finished",
                             ok=lambda state: state == "finished")

    assert states(db) == {
        ALICE: ("finished", None),
        DAVE: ("stopped", "company_reply"),
        ERIN: ("stopped", "company_reply"),
    }
    [row] = inbound_rows(db)
    assert (row.from_addr, row.details["via"]) == (colleague, "company")


async def test_postfix_dsn_marks_the_prospect_bounced(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    nobody = f"{unique_local('nobody')}@prospects.test"
    db, _rep = campaign(mailstack, tmp_path, [ALICE, nobody])
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} finished",
                             ok=lambda state: state == "finished")

    state, reason = states(db)[nobody]
    assert state == "bounced"
    assert reason is not None and "5.1.1" in reason
    assert len(sends_to(db, nobody)) < 3
    with Session(db) as session:
        entry = is_suppressed(session, nobody)
        assert entry is not None and entry.reason == "bounce"
    [row] = inbound_rows(db)
    assert row.kind == "bounce"
    assert row.details["hard"] is True
    assert row.details["recipients"] == [nobody]
    assert row.details["via"] == "original"


async def test_auto_reply_pauses_until_the_day_after_the_return_date(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE], auto="pause")
    back = date.today() + timedelta(days=20)
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(has_sent(db, ALICE), what=f"a send to {ALICE}")
        message = out_of_office(ALICE, rep, first_message_id(db, ALICE), f"{back:%B} {back.day}")
        await submit(mailstack, message)
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} paused",
                             ok=lambda state: state == "paused")

    enrollment = enrollment_of(db, ALICE)
    assert enrollment.reason == "auto_reply"
    assert enrollment.resume_at is not None
    assert enrollment.resume_at.date() == back + timedelta(days=1)
    assert [send.due_at for send in sends_to(db, ALICE, "scheduled")] == [enrollment.resume_at]
    assert len(sends_to(db, ALICE)) == 1


def plant_copies_and_junk_reply(mailstack: MailStack, db: Engine, rep: str) -> None:
    """Our own copy of the first mail to Alice and a note to self in the INBOX (Bcc to
    self, or a client filing sent mail there), and Dave's answer in Junk."""
    [copy] = mailstack.wait_for_messages(
        rep, 1, "Sent", match=lambda m: m["Message-ID"] == first_message_id(db, ALICE)
    )
    note = reply_to(rep, ALICE, subject="note to self", text="Call Alice Friday.")
    answer = reply_to(DAVE, rep, in_reply_to=first_message_id(db, DAVE))
    with mailstack.imap_client(rep, "rep-secret") as imap:
        imap.append("INBOX", copy.as_bytes(policy=email.policy.SMTP))
        imap.append("INBOX", note.as_bytes())
        imap.append("Junk", answer.as_bytes())


async def test_own_copies_are_never_replies_and_junk_is_watched(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE, DAVE], wait="1s")
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: has_sent(db, ALICE)() and has_sent(db, DAVE)(),
                             what=f"sends to {ALICE} and {DAVE}")
        await asyncio.to_thread(plant_copies_and_junk_reply, mailstack, db, rep)
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} finished",
                             ok=lambda state: state == "finished")

    assert states(db) == {ALICE: ("finished", None), DAVE: ("replied", "reply")}
    assert [(row.folder, row.from_addr) for row in inbound_rows(db)] == [("Junk", DAVE)]
