"""The watcher, Sent filing, ``mailbox test`` and the in-doubt check against Cyrus IMAP 3.6.

The second real IMAP server (tests/fixtures/cyrus.py), with a layout unlike Dovecot's:
Sent is "Gesendete Objekte" flagged ``\\sent`` (lower case), Junk is "Junk-E-Mail" flagged
``\\junk``, the separator is "/". Outgoing mail goes through the embedded sandbox's SMTP
(or an aiosmtpd front to it); Cyrus is the rep's IMAP side only. Replies reach the rep as
a real delivery: through Cyrus' lmtpd.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from outreach import accounts
from outreach.cli import cli
from outreach.engine import recovery
from outreach.mailbox.account import make_endpoint
from outreach.mailbox.connect import find_sent_folder
from outreach.mailbox.imapfolder import ImapSession
from outreach.sandbox import Sandbox
from outreach.services import inbox_watcher, send_engine
from outreach.store import open_store, session_scope
from outreach.store.models import Event, Mailbox, Send
from outreach.watcher import WatcherConfig
from tests.fixtures.campaigns import (
    add_prospects,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.cyrus import JUNK_FOLDER, SENT_FOLDER, CyrusServer
from tests.test_watcher_support import (
    Services,
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    reply_to,
    sends_to,
    states,
    unique_local,
)

pytestmark = pytest.mark.cyrus

PASSWORD = "rep-secret"
ALICE, CAROL, DAVE = "alice@prospects.test", "carol@prospects.test", "dave@acme.test"


@pytest.fixture
def trust_cyrus(cyrus: CyrusServer, monkeypatch: pytest.MonkeyPatch) -> CyrusServer:
    """Trust Cyrus' throwaway CA the way a user trusts a private CA: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(cyrus.ca_file))
    return cyrus


@pytest.fixture
def rep(trust_cyrus: CyrusServer, sandbox: Sandbox) -> Iterator[str]:
    """A fresh rep: IMAP on Cyrus, SMTP on the sandbox, same address and password."""
    address = f"{unique_local('rep')}@sales.test"
    trust_cyrus.add_user(address, PASSWORD)
    sandbox.add_user(address, PASSWORD)
    yield address


def add_rep_mailbox(db: Engine, rep: str, cyrus: CyrusServer, smtp_port: int, smtp_host: str,
                    imap_security: str = "tls") -> None:
    imap_port = cyrus.imaps_port if imap_security == "tls" else cyrus.imap_port
    new = accounts.NewMailbox(
        email=rep,
        smtp=make_endpoint("smtp", smtp_host, smtp_port, "none"),
        imap=make_endpoint("imap", cyrus.host, imap_port, imap_security),
        display_name="Rep Example",
        daily_cap=1000,
    )
    accounts.add_mailbox(db, new, PASSWORD)


def campaign(cyrus: CyrusServer, sandbox: Sandbox, rep: str, tmp_path: Path,
             prospects: list[str], *, wait: str = "2s", steps: int = 3) -> Engine:
    for prospect in prospects:
        sandbox.add_user(prospect, "x")
    db = open_store()
    endpoints = sandbox.endpoints
    add_rep_mailbox(db, rep, cyrus, endpoints.smtp_port, endpoints.host)
    add_prospects(db, prospects)
    sequence = write_sequence(tmp_path / "s.yaml", wait=wait, gap="0s", steps=steps)
    start_campaign(db, "c", sequence, [rep])
    return db


def folder_message_ids(
    cyrus: CyrusServer, rep: str, folder: str
) -> list[tuple[str, tuple[bytes, ...]]]:
    """(Message-ID, flags) of every message in ``folder`` of ``rep`` on Cyrus, in UID order."""
    with cyrus.imap_client(rep) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return []
        data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "FLAGS"])
    found = []
    for _uid, item in sorted(data.items()):
        header = item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().strip()
        found.append((header.partition(":")[2].strip(), tuple(item[b"FLAGS"])))
    return found


# -- the server itself --------------------------------------------------------------------


def test_cyrus_offers_what_the_watcher_relies_on(cyrus: CyrusServer, rep: str) -> None:
    with cyrus.imap_client(rep) as client:
        capabilities = set(client.capabilities())
        folders = {name: flags for flags, delimiter, name in client.list_folders()}
        delimiters = {delimiter for _flags, delimiter, _name in client.list_folders()}
        sent, junk = find_sent_folder(client), ImapSession(client).junk_folder()
    assert {b"IDLE", b"UIDPLUS", b"SPECIAL-USE", b"THREAD=REFERENCES"} <= capabilities
    assert b"\\sent" in folders[SENT_FOLDER] and b"\\Sent" not in folders[SENT_FOLDER]
    assert b"\\junk" in folders[JUNK_FOLDER]
    assert "Sent" not in folders and "Junk" not in folders  # no English fallback to hit
    assert delimiters == {b"/"}
    assert (sent, junk) == (SENT_FOLDER, JUNK_FOLDER)


def test_status_of_the_selected_folder_sees_a_delivery(cyrus: CyrusServer, rep: str) -> None:
    with cyrus.imap_client(rep) as client:
        before = client.select_folder("INBOX", readonly=True)[b"UIDNEXT"]
        cyrus.deliver(rep, reply_to(ALICE, rep).as_bytes())
        after = client.folder_status("INBOX", [b"UIDNEXT", b"MESSAGES"])
    assert after[b"UIDNEXT"] == before + 1
    assert after[b"MESSAGES"] >= 1


# -- the watcher --------------------------------------------------------------------------


async def test_reply_stops_the_prospect_and_the_company(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, outreach_home: Path, tmp_path: Path
) -> None:
    db = campaign(cyrus, sandbox, rep, tmp_path, [ALICE, CAROL, DAVE])
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: sends_to(db, ALICE), what=f"a send to {ALICE}")
        first = sends_to(db, ALICE)[0].message_id
        cyrus.deliver(rep, reply_to(ALICE, rep, in_reply_to=first).as_bytes(), ALICE)
        await services.until(lambda: states(db)[DAVE][0], what=f"{DAVE} finished",
                             ok=lambda state: state == "finished")

    assert states(db) == {
        ALICE: ("replied", "reply"),
        CAROL: ("stopped", "company_reply"),
        DAVE: ("finished", None),
    }
    assert len(sends_to(db, ALICE)) == 1
    [row] = inbound_rows(db)
    assert (row.kind, row.from_addr, row.details["via"]) == ("reply", ALICE, "thread")
    assert row.enrollment_id == enrollment_of(db, ALICE).id


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
async def test_watcher_hears_a_reply_by_idle_or_by_polling(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, outreach_home: Path, tmp_path: Path,
    idle: bool,
) -> None:
    """With IDLE the poll beat is a minute, so only IDLE (Cyrus' idled) can be this quick.

    The first reply may come before the watcher idles (its first look finds it); the
    second comes when the watcher is idling: it has noticed the first through its IDLE
    connection and gone back to waiting there.
    """
    db = campaign(cyrus, sandbox, rep, tmp_path, [ALICE, DAVE], wait="1h", steps=2)
    poll = 60.0 if idle else 0.5
    watcher = inbox_watcher(db, WatcherConfig(idle=idle, poll_interval=poll, reconnect_min=0.2))
    latencies = []
    async with Services(db, fast_config(), watcher) as services:
        for prospect in (ALICE, DAVE):
            await services.until(lambda p=prospect: sends_to(db, p),  # type: ignore[misc]
                                 what=f"a send to {prospect}")
            first = sends_to(db, prospect)[0].message_id
            cyrus.deliver(rep, reply_to(prospect, rep, in_reply_to=first).as_bytes(), prospect)
            delivered = time.perf_counter()
            await services.until(lambda p=prospect: states(db)[p][0],  # type: ignore[misc]
                                 10, what=f"{prospect} replied",
                                 ok=lambda state: state == "replied", step=0.01)
            latencies.append(time.perf_counter() - delivered)
        capable = [w.idle_capable for w in watcher.watches.values()]

    assert capable == [True]  # Cyrus offers IDLE; the config decides whether it is used
    assert latencies[1] < 5.0, latencies  # far below the 60 s poll beat when idling
    for prospect in (ALICE, DAVE):
        assert len(sends_to(db, prospect)) == 1
        assert not sends_to(db, prospect, "scheduled")


async def test_reply_filed_in_junk_e_mail_is_seen(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, outreach_home: Path, tmp_path: Path
) -> None:
    db = campaign(cyrus, sandbox, rep, tmp_path, [ALICE], wait="1h", steps=2)
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: sends_to(db, ALICE), what=f"a send to {ALICE}")
        first = sends_to(db, ALICE)[0].message_id
        with cyrus.imap_client(rep) as client:  # as a spam filter would file it
            client.append(JUNK_FOLDER, reply_to(ALICE, rep, in_reply_to=first).as_bytes())
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} replied",
                             ok=lambda state: state == "replied")
    [row] = inbound_rows(db)
    assert (row.kind, row.folder) == ("reply", JUNK_FOLDER)


# -- Sent filing and `mailbox test` -----------------------------------------------------------


async def test_sent_copies_are_filed_in_gesendete_objekte(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, outreach_home: Path, tmp_path: Path
) -> None:
    db = campaign(cyrus, sandbox, rep, tmp_path, [ALICE, DAVE], steps=1)
    engine = send_engine(db, fast_config())

    def filed() -> int:
        with DbSession(db) as session:
            return len(session.exec(select(Send).where(col(Send.appended_to_sent))).all())

    await run_engine_until(engine, filed, 30, what="2 copies filed", ok=lambda n: n == 2)

    sent_ids = {send.message_id for p in (ALICE, DAVE) for send in sends_to(db, p)}
    copies = folder_message_ids(cyrus, rep, SENT_FOLDER)
    assert sorted(mid for mid, _flags in copies) == sorted(sent_ids)
    assert all(b"\\Seen" in flags for _mid, flags in copies)
    with cyrus.imap_client(rep) as client:
        assert "Sent" not in {name for _f, _d, name in client.list_folders()}


@pytest.mark.parametrize("imap_security", ["tls", "starttls"])
def test_mailbox_test_passes_and_names_the_german_sent_folder(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, outreach_home: Path, imap_security: str
) -> None:
    imap_port = cyrus.imaps_port if imap_security == "tls" else cyrus.imap_port
    runner = CliRunner()
    added = runner.invoke(cli, [
        "mailbox", "add", rep, "--smtp-host", sandbox.endpoints.host,
        "--smtp-port", str(sandbox.endpoints.smtp_port), "--smtp-security", "none",
        "--imap-host", cyrus.host, "--imap-port", str(imap_port),
        "--imap-security", imap_security, "--password-stdin",
    ], input=f"{PASSWORD}\n")
    assert added.exit_code == 0, added.output

    result = runner.invoke(cli, ["mailbox", "test", rep])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not any(line.startswith("✗") for line in lines), result.output
    [sent_line] = [line for line in lines if "IMAP Sent folder" in line]
    assert sent_line.startswith(f"✓ IMAP Sent folder — {SENT_FOLDER}"), result.output
    with session_scope(open_store()) as session:
        assert accounts.get_mailbox(session, rep).sent_folder == SENT_FOLDER


# -- the in-doubt check ----------------------------------------------------------------------

ACCEPTED = "accepted@prospects.test"
LOST = "lost@prospects.test"
FAULTS = {ACCEPTED: "after-accept", LOST: "before-accept"}


class CyrusFilingFront:
    """aiosmtpd handler that behaves like a provider filing Sent copies itself: as it
    accepts a message it APPENDs the sender's copy to Cyrus' "Gesendete Objekte" and delivers
    it into the sandbox. For chosen recipients it drops the connection once, before the final
    reply: ``after-accept`` (filed and delivered) or ``before-accept`` (nothing)."""

    def __init__(self, cyrus: CyrusServer, sandbox: Sandbox, rep: str) -> None:
        self.cyrus, self.sandbox, self.rep = cyrus, sandbox, rep
        self.faults = dict(FAULTS)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        fault = self.faults.pop(envelope.rcpt_tos[0], None)
        if fault != "before-accept":
            await asyncio.to_thread(self._accept, envelope)
        if fault is not None:
            assert server.transport is not None
            server.transport.abort()  # the final reply never reaches the client
        return "250 2.0.0 Ok: queued"

    def _accept(self, envelope: Envelope) -> None:
        raw = envelope.original_content or b""
        with self.cyrus.imap_client(self.rep) as client:
            client.append(SENT_FOLDER, raw, (b"\\Seen",))
        for recipient in envelope.rcpt_tos:
            self.sandbox.inject(recipient, raw)


@pytest.fixture
async def front(cyrus: CyrusServer, sandbox: Sandbox, rep: str) -> AsyncIterator[int]:
    def password_ok(_server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str,
                    data: object) -> AuthResult:
        return AuthResult(success=isinstance(data, LoginPassword)
                          and data.password == PASSWORD.encode())

    handler = CyrusFilingFront(cyrus, sandbox, rep)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, authenticator=password_ok, auth_require_tls=False), "127.0.0.1", 0
    )
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_in_doubt_sends_settle_through_cyrus_sent_folder(
    cyrus: CyrusServer, sandbox: Sandbox, rep: str, front: int, outreach_home: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recovery, "SETTLE", recovery.SETTLE / 30)  # copies land at once
    for address in FAULTS:
        sandbox.add_user(address, "x")
    db = open_store()
    add_rep_mailbox(db, rep, cyrus, front, "127.0.0.1")
    with session_scope(db) as session:
        session.exec(select(Mailbox)).one().append_to_sent = "server"
    add_prospects(db, list(FAULTS))
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", gap="0s-0s", steps=1), [rep])
    events: list[tuple[str, dict[str, object]]] = []
    engine = send_engine(db, fast_config(), on_event=lambda k, i: events.append((k, i)))

    def send_states() -> set[str]:
        with DbSession(db) as session:
            return {send.state for send in session.exec(select(Send))}

    await run_engine_until(engine, send_states, 60, what="every send sent",
                           ok=lambda s: s == {"sent"})

    received = {a: len(await sandbox.messages_async(a)) for a in FAULTS}
    assert received == {ACCEPTED: 1, LOST: 1}  # no duplicate, none lost
    kinds = [kind for kind, _info in events]
    found = sorted(bool(info["found"]) for kind, info in events if kind == "in_doubt")
    assert (kinds.count("in_doubt_held"), found) == (2, [False, True])
    copies = [mid for mid, _flags in folder_message_ids(cyrus, rep, SENT_FOLDER)]
    assert sorted(copies) == sorted(send.message_id for a in FAULTS for send in sends_to(db, a))
    with DbSession(db) as session:
        resolved = session.exec(select(Event).where(Event.kind == "in_doubt_resolved")).all()
    assert len(resolved) == 2
