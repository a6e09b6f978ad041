"""The engine against the real Postfix + Dovecot stack: delivery, threading, faults."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Enrollment, Event, Mailbox, Send, Suppression
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    count_sends,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import REP, MailStack
from tests.test_engine_sandbox import count_calls

pytestmark = pytest.mark.mailstack


@pytest.fixture
def stack(mailstack: MailStack, monkeypatch: pytest.MonkeyPatch, outreach_home: Path) -> MailStack:
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))
    return mailstack


def fresh_prospects(stack: MailStack, count: int, domain: str = "prospects.test") -> list[str]:
    tag = uuid.uuid4().hex[:8]
    addresses = [f"p{n}-{tag}@{domain}" for n in range(count)]
    for address in addresses:
        stack.add_user(address, "pw")
    return addresses


def rep_mailbox(stack: MailStack, address: str = REP.address, password: str = REP.password) -> None:
    add_mailbox(
        open_store(),
        address,
        password,
        stack.host,
        stack.smtp_port,
        stack.imaps_port,
        security="starttls",
    )


async def test_three_steps_to_five_prospects_exactly_threaded(
    stack: MailStack, tmp_path: Path
) -> None:
    prospects = fresh_prospects(stack, 5)
    db = open_store()
    rep_mailbox(stack)
    add_prospects(db, prospects)
    start_campaign(
        db, "e2e", write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-1s"), [REP.address]
    )
    await run_engine_until(
        send_engine(db, fast_config()), lambda: count_sends(db), 60, what="15 sends",
        ok=lambda n: n == 15,
    )

    all_ids = []
    for n, address in enumerate(prospects):
        inbox = stack.wait_for_messages(address, 3, timeout=15)
        assert len(inbox) == 3
        first, second, third = sorted(inbox, key=lambda m: m["Date"])
        assert "step one" in first.get_payload(decode=True).decode()
        assert "step two" in second.get_payload(decode=True).decode()
        assert "step three" in third.get_payload(decode=True).decode()
        assert f"Hi P{n}," in first.get_payload(decode=True).decode()
        assert second["Subject"] == "Re: " + first["Subject"] == third["Subject"]
        assert second["In-Reply-To"] == first["Message-ID"] == third["In-Reply-To"]
        all_ids += [m["Message-ID"] for m in (first, second, third)]
    sent = stack.wait_for_messages(
        REP.address, 15, folder="Sent", timeout=15, match=lambda m: m["Message-ID"] in all_ids
    )
    assert sorted(m["Message-ID"] for m in sent) == sorted(all_ids)


async def test_451_then_accepted_is_delivered_once_later(stack: MailStack, tmp_path: Path) -> None:
    [prospect] = fresh_prospects(stack, 1)
    stack.set_tempfail(prospect, True)
    db = open_store()
    rep_mailbox(stack)
    add_prospects(db, [prospect])
    start_campaign(
        db, "tempfail", write_sequence(tmp_path / "s.yaml", steps=1, gap="0s-1s"), [REP.address]
    )
    events: list[str] = []
    engine = send_engine(db, fast_config(), on_event=lambda kind, _i: events.append(kind))

    def deferred_then_lift() -> bool:
        if "deferred" in events and count_sends(db, "deferred"):
            stack.set_tempfail(prospect, False)
        return count_sends(db) == 1

    await run_engine_until(engine, deferred_then_lift, 30, what="deferred once, then sent")
    [message] = stack.wait_for_messages(prospect, 1)
    with Session(db) as session:
        send = session.exec(select(Send)).one()
    assert send.attempts == 2
    assert message["Message-ID"] == send.message_id
    assert events.count("sent") == 1


async def test_550_at_rcpt_fails_bounces_and_suppresses(stack: MailStack, tmp_path: Path) -> None:
    [prospect] = fresh_prospects(stack, 1)
    stack.set_reject(prospect, True)
    db = open_store()
    rep_mailbox(stack)
    add_prospects(db, [prospect])
    start_campaign(db, "reject", write_sequence(tmp_path / "s.yaml"), [REP.address])
    await run_engine_until(send_engine(db, fast_config()), lambda: count_sends(db, "failed"),
                           what="1 failed send", ok=lambda n: n == 1)
    with Session(db) as session:
        send = session.exec(select(Send).where(Send.step_index == 0)).one()
        enrollment = session.exec(select(Enrollment)).one()
        suppression = session.exec(select(Suppression)).one()
        pending = session.exec(select(Send).where(Send.state == "scheduled")).all()
    assert send.smtp_code == 550 and "5.1.1" in (send.error or "")
    assert enrollment.state == "bounced"
    assert suppression.value == prospect and suppression.reason == "bounce"
    assert pending == []


async def test_wrong_password_pauses_the_mailbox_without_retry_storm(
    stack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = f"rep-{uuid.uuid4().hex[:6]}@sales.test"
    stack.add_user(rep, "right-password")
    [prospect] = fresh_prospects(stack, 1)
    db = open_store()
    rep_mailbox(stack, rep, "wrong-password")
    add_prospects(db, [prospect])
    start_campaign(db, "auth", write_sequence(tmp_path / "s.yaml"), [rep])
    failures_before = stack.maillog().count("authentication failed")
    engine = send_engine(db, fast_config(poll_interval=0.2))
    refreshes = count_calls(monkeypatch, engine, "refresh")
    scans_at_pause: list[int] = []

    def scans_since_the_pause() -> int:
        """Refresh scans (each could wake the worker) since the mailbox was paused."""
        scans = sum(1 for _args, kwargs, _stamp in refreshes.seen if kwargs.get("scan"))
        if not scans_at_pause:
            with Session(db) as session:
                if session.exec(select(Mailbox).where(Mailbox.email == rep)).one().paused:
                    scans_at_pause.append(scans)
            return 0
        return scans - scans_at_pause[0]

    await run_engine_until(engine, scans_since_the_pause, 30,
                           what="the pause and 10 refresh scans after it", ok=lambda n: n >= 10)
    with Session(db) as session:
        mailbox = session.exec(select(Mailbox).where(Mailbox.email == rep)).one()
        pauses = session.exec(select(Event).where(Event.kind == "mailbox_paused")).all()
        send = session.exec(select(Send)).one()
    assert mailbox.paused and "535" in (mailbox.pause_reason or "")
    assert len(pauses) == 1
    assert send.state == "scheduled" and send.attempts == 0
    smtp_auth_failures = stack.maillog().count("authentication failed") - failures_before
    assert smtp_auth_failures == 1, stack.maillog_tail()
