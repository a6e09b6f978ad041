"""A connection lost after DATA: in doubt, settled by the Sent folder, never blindly re-sent.

The SMTP server here is a small aiosmtpd front to the sandbox that behaves like Gmail: as it
accepts a message it files the sender's copy in Sent (``--sent-copy server``) and delivers
it to the recipient's INBOX (both in the sandbox, read over real IMAP). For chosen
recipients it drops the connection once, at a chosen moment:

- ``after-accept``: the message is delivered and filed, then the connection is cut before
  the final ``250`` (the server took it; the client cannot know);
- ``before-accept``: the connection is cut after the message arrived, nothing delivered;
- ``at-rcpt``: the connection is cut at RCPT, before DATA (an ordinary deferral).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlmodel import Session as DbSession
from sqlmodel import select

from outreach.engine import recovery
from outreach.engine.failures import classify_smtp_error
from outreach.mailbox.ports import DeliveryInDoubt
from outreach.sandbox import Sandbox
from outreach.services import send_engine
from outreach.store import open_store, session_scope
from outreach.store.models import Event, Mailbox, Send
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD

ACCEPTED = "accepted@prospects.example"
REFUSED = "lost@prospects.example"
AT_RCPT = "rcpt@prospects.example"
FAULTS = {ACCEPTED: "after-accept", REFUSED: "before-accept", AT_RCPT: "at-rcpt"}


class GmailLikeFront:
    """aiosmtpd handler: files the Sent copy as it accepts; drops chosen connections once."""

    def __init__(self, sandbox: Sandbox, faults: dict[str, str]) -> None:
        self.sandbox, self.faults = sandbox, dict(faults)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, _opts: list[str]
    ) -> str:
        if self.faults.get(address) == "at-rcpt":
            del self.faults[address]
            assert server.transport is not None
            server.transport.abort()
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        fault = self.faults.pop(envelope.rcpt_tos[0], None)
        if fault != "before-accept":
            await asyncio.to_thread(self._accept, envelope)
        if fault in ("after-accept", "before-accept"):
            assert server.transport is not None
            server.transport.abort()  # the final reply never reaches the client
        return "250 2.0.0 Ok: queued"

    def _accept(self, envelope: Envelope) -> None:
        raw = envelope.original_content or b""
        self.sandbox.inject(REP_ADDRESS, raw, "Sent", seen=True)
        for recipient in envelope.rcpt_tos:
            self.sandbox.inject(recipient, raw)


def _password_ok(
    _server: SMTP, _session: Session, _envelope: Envelope, mechanism: str, data: object
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.password == REP_PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
async def front(sandbox: Sandbox) -> AsyncIterator[int]:
    handler = GmailLikeFront(sandbox, FAULTS)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, authenticator=_password_ok, auth_require_tls=False),
        "127.0.0.1",
        0,
    )
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def test_a_loss_after_data_is_in_doubt_and_before_it_is_not() -> None:
    assert classify_smtp_error(DeliveryInDoubt("connection lost after DATA")).verdict == (
        "in_doubt"
    )
    assert classify_smtp_error(ConnectionResetError("reset")).verdict == "deferred"


async def test_connection_lost_after_data_sends_once_whether_accepted_or_not(
    sandbox: Sandbox,
    front: int,
    outreach_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recovery, "SETTLE", recovery.SETTLE / 30)  # Sent copies land at once
    for address in FAULTS:
        sandbox.add_user(address, "x")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, front, ep.imap_port)
    with session_scope(db) as session:
        mailbox = session.exec(select(Mailbox)).one()
        mailbox.append_to_sent = "server"
    add_prospects(db, list(FAULTS))
    sequence = write_sequence(tmp_path / "s.yaml", wait="1s", gap="0s-0s", steps=1)
    start_campaign(db, "c", sequence, [REP_ADDRESS])
    events: list[tuple[str, dict[str, object]]] = []
    engine = send_engine(db, fast_config(), on_event=lambda k, i: events.append((k, i)))
    await run_engine_until(
        engine, lambda: _states(db), 60, what="every send sent", ok=lambda s: s == {"sent"}
    )

    received = {a: len(await sandbox.messages_async(a)) for a in FAULTS}
    assert received == {ACCEPTED: 1, REFUSED: 1, AT_RCPT: 1}  # no duplicate, none lost
    assert len(await sandbox.messages_async(REP_ADDRESS, "Sent")) == 3
    held = [k for k, _ in events].count("in_doubt_held")
    found = sorted(bool(i["found"]) for k, i in events if k == "in_doubt")
    assert (held, found) == (2, [False, True])  # accepted → found; lost → sent again
    assert [k for k, _ in events].count("deferred") == 1  # the RCPT drop: an ordinary retry
    with DbSession(db) as session:
        resolved = session.exec(select(Event).where(Event.kind == "in_doubt_resolved")).all()
    assert len(resolved) == 2


def _states(db) -> set[str]:  # type: ignore[no-untyped-def]
    with DbSession(db) as session:
        return {send.state for send in session.exec(select(Send))}
