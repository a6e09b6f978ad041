"""What a reply means, acted on, on the real Postfix + Dovecot stack.

A "not now" reply ("im März") pauses the person until 1 March and the clock moved there
resumes them; a reply naming the responsible colleague proposes that colleague, whom the
rep enrolls from the TUI's inbox (Pilot); an interested reply reaches the CRM's webhook
with its intent. The replies are unambiguous, so they hold for any classifier worth the
name, the placeholder and the trained model alike.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.deliverability.webhook_config import WebhookConfig
from outreach.deliverability.webhooks import verify_signature
from outreach.lifecycle.ending import resume_due
from outreach.services import build_services, inbox_watcher
from outreach.store import open_store, session_scope
from outreach.store.models import Event, Prospect, ProspectTag, utcnow
from outreach.tui.factory import build_app
from outreach.tui.screens.inbox import InboxScreen
from outreach.tui.screens.pickers import ConfirmScreen
from outreach.tui.widgets.paged_table import PagedTable
from outreach.views.timeline import prospect_timeline
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import MailStack
from tests.fixtures.webhooks import Receiver
from tests.polling import until
from tests.test_deliverability_webhooks import FAST, SECRET
from tests.test_tui_support import screen_text, settle
from tests.test_watcher_mailstack import first_message_id, has_sent, new_rep, submit
from tests.test_watcher_support import (
    Services,
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    reply_to,
    sends_to,
    states,
)

pytestmark = pytest.mark.mailstack

ALICE = "alice@prospects.test"
COLLEAGUE = "carol@prospects.test"
"""A seed user of the stack: the first email to the referral is really delivered."""
NOT_NOW = "Bitte melden Sie sich im März wieder."
REFERRAL = f"Zuständig ist meine Kollegin Carol Wolf, {COLLEAGUE}"
INTERESTED = "Sehr gerne, passt Ihnen Dienstag um 10 Uhr für einen Anruf?"
STOP = "on_auto_reply: false}"


def intent_campaign(
    mailstack: MailStack, tmp_path: Path, prospects: list[str], effects: str
) -> tuple[Engine, str]:
    """A started campaign from a fresh rep to ``prospects`` whose ``stop`` has the intent
    ``effects`` (follow-ups a day apart: none leaves during a test)."""
    rep, password = new_rep(mailstack)
    db = open_store()
    add_mailbox(db, rep, password, mailstack.host, mailstack.smtp_port, mailstack.imaps_port,
                security="starttls", insecure=True)  # fmt: skip
    add_prospects(db, prospects)
    path = write_sequence(tmp_path / "s.yaml", wait="1d", gap="0s")
    text = path.read_text()
    assert STOP in text
    path.write_text(text.replace(STOP, f"on_auto_reply: false, {effects}}}"))
    start_campaign(db, "c", path, [rep])
    return db, rep


def next_first_of_march(today: date) -> date:
    first = date(today.year, 3, 1)
    return first if first > today else date(today.year + 1, 3, 1)


def events(db: Engine, kind: str) -> list[Event]:
    with Session(db) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))


async def answered(
    mailstack: MailStack, db: Engine, rep: str, text: str, done: Any, what: str
) -> None:
    """Run engine and watcher until the first email went out, answer it with ``text``,
    then until ``done()``."""
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(has_sent(db, ALICE), what=f"a send to {ALICE}")
        await submit(mailstack, reply_to(ALICE, rep, in_reply_to=first_message_id(db, ALICE),
                                         text=text))  # fmt: skip
        await services.until(done, 60, what=what)


async def test_not_now_in_march_pauses_until_the_first_of_march_and_resumes_then(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = intent_campaign(mailstack, tmp_path, [ALICE], "not_now: resume")
    await answered(mailstack, db, rep, NOT_NOW, lambda: states(db)[ALICE][0] == "paused",
                   f"{ALICE} paused")  # fmt: skip

    march = next_first_of_march(utcnow().date())
    resume_at = datetime(march.year, 3, 1, tzinfo=UTC)  # the sequence's zone: UTC
    [row] = inbound_rows(db)
    assert (row.kind, row.intent, row.intent_until, row.needs_review) == (
        "reply", "not_now", march, False,
    )  # fmt: skip
    enrollment = enrollment_of(db, ALICE)
    assert (enrollment.state, enrollment.reason, enrollment.resume_at) == (
        "paused", "not_now", resume_at,
    )  # fmt: skip
    [follow_up] = sends_to(db, ALICE, "scheduled")
    assert (follow_up.step_index, follow_up.due_at) == (1, resume_at)
    [paused] = events(db, "paused")
    assert (paused.inbound_id, paused.data["reason"]) == (row.id, "not_now")
    assert events(db, "replied") == []  # the sequence goes on later: no end

    with session_scope(db) as session:  # the clock moved to the last second of February
        assert resume_due(session.connection(), resume_at - timedelta(seconds=1)) == 0
    assert enrollment_of(db, ALICE).state == "paused"
    with session_scope(db) as session:  # … and to 1 March
        assert resume_due(session.connection(), resume_at) == 1
    enrollment = enrollment_of(db, ALICE)
    assert (enrollment.state, enrollment.next_due_at) == ("active", resume_at)
    assert [s.step_index for s in sends_to(db, ALICE, "scheduled")] == [1]
    assert len(events(db, "resumed")) == 1


async def test_not_now_stops_like_any_reply_by_default(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = intent_campaign(mailstack, tmp_path, [ALICE], "referral: ignore")
    await answered(mailstack, db, rep, NOT_NOW, lambda: states(db)[ALICE][0] == "replied",
                   f"{ALICE} replied")  # fmt: skip
    assert states(db)[ALICE] == ("replied", "reply")
    assert inbound_rows(db)[0].intent == "not_now"
    assert sends_to(db, ALICE, "scheduled") == []


def referral_tags(db: Engine, email: str) -> list[str]:
    with Session(db) as session:
        return list(session.exec(
            select(ProspectTag.tag).join(Prospect, col(Prospect.id) == col(ProspectTag.prospect_id))
            .where(Prospect.email == email)
        ))  # fmt: skip


async def test_a_referral_is_proposed_and_enrolled_after_confirmation_in_the_tui(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = intent_campaign(mailstack, tmp_path, [ALICE], "referral: propose")
    await answered(mailstack, db, rep, REFERRAL, lambda: events(db, "referral_proposed"),
                   "the referral proposed")  # fmt: skip

    assert states(db) == {ALICE: ("replied", "reply")}  # proposed, not enrolled
    [row] = inbound_rows(db)
    assert (row.intent, row.referral) == ("referral", [COLLEAGUE])
    [proposed] = events(db, "referral_proposed")
    assert (proposed.inbound_id, proposed.data["email"]) == (row.id, COLLEAGUE)
    assert referral_tags(db, COLLEAGUE) == ["referral"]
    with Session(db) as session:
        carol = session.exec(select(Prospect).where(Prospect.email == COLLEAGUE)).one()
    assert carol.fields["referred_by"] == ALICE
    assert carol.fields["referred_in"] == row.message_id  # linked to the thread
    with Session(db) as session:
        alice = session.exec(select(Prospect).where(Prospect.email == ALICE)).one()
    assert (carol.first_name, carol.company) == ("Carol", alice.company)  # merge fields render

    app = build_app(db=db, sequences_dir=tmp_path, engine_factory=None, refresh_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert f"→ {COLLEAGUE}" in screen_text(app)  # the referral found, in the queue
        assert f"referral: {COLLEAGUE} (proposed: t to enroll)" in screen_text(app)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(lambda: COLLEAGUE in states(db), 20, what="the referral enrolled")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        table.focus()
        assert f"referral: {COLLEAGUE} (enrolled)" in screen_text(app)

    assert states(db)[COLLEAGUE] == ("active", None)
    with Session(db) as session:
        carol_id = session.exec(select(Prospect.id).where(Prospect.email == COLLEAGUE)).one()
    timeline = prospect_timeline(db, carol_id or 0)  # where she came from, on her timeline
    proposed_entry = next(e for e in timeline.entries if e.kind == "referral_proposed")
    assert f"referred_by: {ALICE}" in proposed_entry.detail
    [enrolled] = events(db, "referral_enrolled")
    assert (enrolled.inbound_id, enrolled.data["email"]) == (row.id, COLLEAGUE)
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(has_sent(db, COLLEAGUE), what=f"the first email to {COLLEAGUE}")
    [first] = sends_to(db, COLLEAGUE)
    assert first.step_index == 0
    [delivered] = mailstack.wait_for_messages(
        COLLEAGUE, 1, "INBOX", match=lambda m: m["Message-ID"] == first.message_id
    )
    assert delivered["To"] is not None


async def test_an_interested_reply_fires_the_webhook_with_its_intent(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path, receiver: Receiver
) -> None:
    db, rep = intent_campaign(mailstack, tmp_path, [ALICE], "not_now: resume")
    hook = WebhookConfig(url=receiver.url, events=["reply"],
                         secret_command=f"printf %s {SECRET}")  # fmt: skip
    services = build_services(
        db, kind="run", engine_config=fast_config(), watcher_config=fast_watcher_config(),
        webhooks=[hook], dispatch_config=FAST,
    )  # fmt: skip
    task = asyncio.create_task(services.run())
    try:
        await until(has_sent(db, ALICE), 30, what=f"a send to {ALICE}")
        message = reply_to(ALICE, rep, in_reply_to=first_message_id(db, ALICE), text=INTERESTED)
        await submit(mailstack, message)
        await until(lambda: receiver.requests, 60, what="the reply's webhook")
    finally:
        services.stop()
        await asyncio.wait_for(task, 15)

    [(headers, body)] = receiver.requests
    assert verify_signature(SECRET, body, headers["X-Outreach-Signature"])
    [payload] = receiver.bodies()
    assert payload["event"] == "reply"
    assert payload["data"]["intent"] == "interested"
    sent = payload["message"]
    assert (sent["kind"], sent["intent"], sent["needs_review"]) == ("reply", "interested", False)
    assert (sent["intent_until"], sent["referral"]) == (None, [])
    assert 0 < sent["confidence"] <= 1
    assert states(db)[ALICE] == ("replied", "reply")  # interested still stops the sequence
