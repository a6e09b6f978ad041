"""The watcher with the engine against the embedded sandbox's scripted prospects."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from outreach.prospects.suppression import is_suppressed
from outreach.sandbox import Sandbox
from outreach.services import inbox_watcher
from outreach.store import open_store
from outreach.store.models import utcnow
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.test_watcher_support import (
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    run_both_until,
    sends_to,
    states,
)

BOB = "bob@acme.example"  # anna's colleague: stopped by her reply
FINAL = {"replied", "stopped", "unsubscribed", "bounced", "finished", "paused"}


async def test_personas_halt_the_right_enrollments(
    sandbox: Sandbox, any_db: str, tmp_path: Path
) -> None:
    sandbox.persona("anna@acme.example", "reply", language="en")
    sandbox.persona("bob@acme.example", "silent")
    sandbox.persona("carl@beta.example", "silent")
    sandbox.persona("dora@gamma.example", "unsubscribe")
    sandbox.persona("emil@delta.example", "auto_reply", language="en")
    sandbox.persona("fred@eps.example", "bounce")
    sandbox.persona("gina@gmail.com", "reply")
    sandbox.persona("hank@gmail.com", "silent")
    people = [
        "anna@acme.example",
        "bob@acme.example",
        "carl@beta.example",
        "dora@gamma.example",
        "emil@delta.example",
        "fred@eps.example",
        "gina@gmail.com",
        "hank@gmail.com",
    ]
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, people)
    sequence = write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s", auto="pause")
    start_campaign(db, "c", sequence, [REP_ADDRESS])
    watcher = inbox_watcher(db, fast_watcher_config())

    await run_both_until(
        db,
        lambda: {state for state, _ in states(db).values()} <= FINAL,
        what="every enrollment in a final state",
        engine_config=fast_config(),
        watcher=watcher,
    )

    assert states(db) == {
        "anna@acme.example": ("replied", "reply"),
        "bob@acme.example": ("stopped", "company_reply"),
        "carl@beta.example": ("finished", None),
        "dora@gamma.example": ("unsubscribed", "unsubscribe"),
        "emil@delta.example": ("paused", "auto_reply"),
        "fred@eps.example": ("bounced", "hard bounce 5.1.1 user_unknown"),  # the sandbox's DSN
        "gina@gmail.com": ("replied", "reply"),
        "hank@gmail.com": ("finished", None),  # free-mail: no company stop
    }
    sent = {p: len(sends_to(db, p)) for p in people if p != BOB}
    assert sent == {
        "anna@acme.example": 1,
        "carl@beta.example": 3,
        "dora@gamma.example": 1,
        "emil@delta.example": 1,
        "fred@eps.example": 1,  # accepted by SMTP, bounced afterwards
        "gina@gmail.com": 1,
        "hank@gmail.com": 3,
    }
    # Bob got step 1 or nothing (when anna answered before his turn); never a follow-up.
    to_bob = sends_to(db, BOB)
    assert [send.step_index for send in to_bob] in ([], [0])
    bob_inbox = await sandbox.messages_async(BOB)
    assert [m["Message-ID"] for m in bob_inbox] == [send.message_id for send in to_bob]
    with Session(db) as session:
        assert is_suppressed(session, "dora@gamma.example") is not None
        assert is_suppressed(session, "fred@eps.example") is not None
        assert is_suppressed(session, "anna@acme.example") is None
    kinds = {row.from_addr: row.kind for row in inbound_rows(db)}
    assert kinds["anna@acme.example"] == "reply"
    assert kinds["dora@gamma.example"] == "unsubscribe"
    assert kinds["emil@delta.example"] == "auto_reply"
    replies = [row for row in inbound_rows(db) if row.from_addr == "anna@acme.example"]
    assert replies[0].new_text is not None and "short call" in replies[0].new_text


async def test_auto_reply_pause_resumes_after_the_return_date(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    sandbox.persona("emil@delta.example", "auto_reply", language="en")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, ["emil@delta.example"])
    start_campaign(
        db,
        "c",
        write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s", auto="pause"),
        [REP_ADDRESS],
    )
    await run_both_until(
        db,
        lambda: states(db)["emil@delta.example"][0] == "paused",
        what="emil paused",
        engine_config=fast_config(),
        watcher=inbox_watcher(db, fast_watcher_config()),
    )
    enrollment = enrollment_of(db, "emil@delta.example")
    back = (utcnow() + timedelta(days=14)).date()  # the persona is away 14 days
    assert enrollment.resume_at is not None
    assert enrollment.resume_at.date() == back + timedelta(days=1)
    [pending] = sends_to(db, "emil@delta.example", "scheduled")
    assert pending.due_at == enrollment.resume_at
