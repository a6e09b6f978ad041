"""The embedded sandbox against real clients: imapclient, aiosmtplib and smtplib."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from email.message import EmailMessage, Message
from email.utils import make_msgid
from typing import Any, cast

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from pymap.bytes import WriteStream
from pymap.parsing.response import Response

from outreach.errors import NotFoundError
from outreach.sandbox import Sandbox, SandboxError
from outreach.sandbox.imap import SandboxConfig
from outreach.sandbox.imapwire import WholeResponseConnection
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD, imap_session

pytestmark = pytest.mark.filterwarnings("error")

PROSPECT = "anna.schmidt@prospect.example"


def outgoing(
    to: str, subject: str = "Kurze Frage", body: str = "Hallo Anna,\nwie geht's?\n"
) -> EmailMessage:
    """A first-step email from the rep, as the engine would build it."""
    message = EmailMessage()
    message["From"] = f"Rep <{REP_ADDRESS}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 03 Dec 2024 10:00:00 +0100"
    message["Message-ID"] = make_msgid(domain="sales.example")
    message.set_content(body)
    return message


async def send(sandbox: Sandbox, message: EmailMessage, **kwargs: Any) -> None:
    """Submit ``message`` as the rep with aiosmtplib (plain SMTP + AUTH unless overridden)."""
    endpoints = sandbox.endpoints
    options: dict[str, Any] = {
        "hostname": endpoints.host,
        "port": endpoints.smtp_port,
        "username": REP_ADDRESS,
        "password": REP_PASSWORD,
        "start_tls": False,
    }
    await aiosmtplib.send(message, **{**options, **kwargs})


def report_parts(bounce: EmailMessage) -> tuple[Message, Message, str]:
    """The per-message and per-recipient status blocks and the returned headers of a DSN."""
    parts = {part.get_content_type(): part for part in bounce.iter_parts()}
    per_message, per_recipient = cast(list[Message], parts["message/delivery-status"].get_payload())
    returned = parts["text/rfc822-headers"]
    assert isinstance(returned, EmailMessage)
    return per_message, per_recipient, str(returned.get_content())


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


# -- lifecycle --------------------------------------------------------------------------


def test_starts_fast_and_stops_without_leaving_threads() -> None:
    before = set(threading.enumerate())
    began = time.perf_counter()
    with Sandbox() as sandbox:
        started_in = time.perf_counter() - began
        endpoints = sandbox.endpoints
        assert endpoints.host == "127.0.0.1"
        assert endpoints.smtp_port > 0 and endpoints.imap_port > 0
        assert endpoints.smtp_port != endpoints.imap_port
    assert started_in < 1.0
    assert set(threading.enumerate()) == before


def test_port_in_use_is_a_sandbox_error_and_leaves_nothing_running(sandbox: Sandbox) -> None:
    threads = set(threading.enumerate())
    taken = sandbox.endpoints.imap_port  # SMTP binds first and must be closed again
    with pytest.raises(SandboxError, match="could not listen"):
        Sandbox(imap_port=taken).start()
    assert set(threading.enumerate()) == threads


def test_use_before_start_is_a_sandbox_error() -> None:
    with pytest.raises(SandboxError, match="not running"):
        Sandbox().add_user(REP_ADDRESS, REP_PASSWORD)


# -- IMAP ---------------------------------------------------------------------------------


def test_imap_login_select_list_special_use_and_idle(sandbox: Sandbox) -> None:
    with imap_session(sandbox) as imap:
        assert b"IDLE" in imap.capabilities()
        assert b"SPECIAL-USE" in imap.capabilities()
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
        flags = {name: set(attrs) for attrs, _, name in imap.list_folders()}
        assert {"INBOX", "Sent", "Junk"} <= flags.keys()
        assert b"\\Sent" in flags["Sent"]
        assert b"\\Junk" in flags["Junk"]
        assert imap.find_special_folder(b"\\Sent") == "Sent"


def test_wrong_password_fails_on_imap(sandbox: Sandbox) -> None:
    endpoints = sandbox.endpoints
    client = IMAPClient(endpoints.host, port=endpoints.imap_port, ssl=False, timeout=5)
    with pytest.raises(LoginError):
        client.login(REP_ADDRESS, "wrong")
    client.logout()


def test_imap_append_to_sent(sandbox: Sandbox) -> None:
    sent = outgoing(PROSPECT)
    with imap_session(sandbox) as imap:
        imap.append("Sent", sent.as_bytes(), flags=[b"\\Seen"])
        imap.select_folder("Sent")
        uids = imap.search(["SUBJECT", "Kurze Frage"])
        assert len(uids) == 1
        assert b"\\Seen" in imap.get_flags(uids)[uids[0]]
    stored = sandbox.messages(REP_ADDRESS, "Sent")
    assert [m["Message-ID"] for m in stored] == [sent["Message-ID"]]


def test_idle_wakes_a_waiting_client_quickly(sandbox: Sandbox) -> None:
    # No socket timeout: imapclient then reads IDLE updates without blocking and would
    # abort on a response that arrives in pieces (pymap's default for FETCH).
    with imap_session(sandbox, timeout=None) as imap:
        imap.select_folder("INBOX")
        for count in (1, 2, 3):
            imap.idle()
            began = time.perf_counter()
            sandbox.inject(REP_ADDRESS, outgoing(REP_ADDRESS).as_bytes())
            responses = imap.idle_check(timeout=2)
            waited = time.perf_counter() - began
            imap.idle_done()
            assert (count, b"EXISTS") in responses
            assert waited < 0.5


class _PiecewiseResponse(Response):
    """Writes its line in two pieces with a pause between, as pymap's FETCH does."""

    async def async_write(self, writer: WriteStream) -> None:
        writer.write(b"* 1 FETCH (FLAGS ()")
        await asyncio.sleep(0)
        writer.write(b")\r\n")


class _RecordingWriter:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    async def drain(self) -> None:
        return None


async def test_imap_responses_are_written_in_one_piece() -> None:
    config = SandboxConfig(hostname="mail.sandbox.test", ssl_context=None)
    writer = _RecordingWriter()
    connection = WholeResponseConnection(
        config.commands,
        config,
        asyncio.StreamReader(),
        writer,  # type: ignore[arg-type]  # only write() and drain() are used
        None,  # type: ignore[arg-type]  # no socket behind this connection
    )
    await connection.write_response(_PiecewiseResponse(b"*", b""))
    assert writer.writes == [b"* 1 FETCH (FLAGS ())\r\n"]


def test_search_sees_mail_delivered_since_the_last_command(sandbox: Sandbox) -> None:
    with imap_session(sandbox) as imap:
        imap.select_folder("INBOX")
        sandbox.inject(REP_ADDRESS, outgoing(REP_ADDRESS).as_bytes())
        assert len(imap.search(["UNSEEN"])) == 1


# -- SMTP and delivery --------------------------------------------------------------------


async def test_smtp_auth_delivers_into_recipient_inbox_over_imap(sandbox: Sandbox) -> None:
    sandbox.add_user(PROSPECT, "anna-secret")
    message = outgoing(PROSPECT)
    await send(sandbox, message)
    await sandbox.wait_for_messages_async(PROSPECT, 1)
    with imap_session(sandbox, PROSPECT, "anna-secret") as imap:
        imap.select_folder("INBOX")
        (uid,) = imap.search()
        fetched = imap.fetch([uid], [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID RETURN-PATH)]"])
    headers = fetched[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID RETURN-PATH)]"].decode()
    assert message["Message-ID"] in headers
    assert f"Return-Path: <{REP_ADDRESS}>" in headers


async def test_wrong_password_fails_on_smtp_with_535(sandbox: Sandbox) -> None:
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as failure:
        await send(sandbox, outgoing(PROSPECT), password="wrong")
    assert failure.value.code == 535


async def test_mail_without_auth_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as failure:
        await send(sandbox, outgoing(PROSPECT), username=None, password=None)
    assert failure.value.code == 530


async def test_unknown_user_at_sandbox_domain_bounces_with_a_dsn(sandbox: Sandbox) -> None:
    sandbox.add_domain("prospect.example")
    message = outgoing("nobody@prospect.example")
    await send(sandbox, message)
    (bounce,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert bounce.get_content_type() == "multipart/report"
    assert bounce.get_param("report-type") == "delivery-status"
    assert bounce["Return-Path"] == "<>"
    per_message, per_recipient, returned_headers = report_parts(bounce)
    assert per_message["Reporting-MTA"].startswith("dns;")
    assert per_recipient["Final-Recipient"] == "rfc822; nobody@prospect.example"
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"] == "5.1.1"
    assert message["Message-ID"] in returned_headers


@pytest.mark.parametrize(("code", "error"), [(550, "5.1.1"), (451, "4.3.0")])
async def test_rcpt_faults_reject_or_tempfail(sandbox: Sandbox, code: int, error: str) -> None:
    sandbox.fail_rcpt(PROSPECT, code)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as failure:
        await send(sandbox, outgoing(PROSPECT))
    (refused,) = failure.value.recipients
    assert (refused.code, refused.message.split()[0]) == (code, error)
    sandbox.clear_fault(PROSPECT)
    await send(sandbox, outgoing(PROSPECT))


async def test_mail_to_the_outside_world_is_recorded_not_delivered(sandbox: Sandbox) -> None:
    await send(sandbox, outgoing("someone@elsewhere.example"))
    (relayed,) = sandbox.relayed
    assert (relayed.mail_from, relayed.recipient) == (REP_ADDRESS, "someone@elsewhere.example")
    assert sandbox.messages(REP_ADDRESS) == []


def test_inject_and_messages_round_trip(sandbox: Sandbox) -> None:
    message = outgoing(REP_ADDRESS, subject="Injected")
    sandbox.inject(REP_ADDRESS, message.as_bytes(), folder="Junk")
    (stored,) = sandbox.messages(REP_ADDRESS, "Junk")
    assert stored["Subject"] == "Injected"
    assert sandbox.messages(REP_ADDRESS) == []


def test_unknown_mailbox_is_not_found(sandbox: Sandbox) -> None:
    with pytest.raises(NotFoundError, match="nobody@sales.example"):
        sandbox.inject("nobody@sales.example", b"Subject: x\r\n\r\nx\r\n")
    with pytest.raises(NotFoundError, match="Archive"):
        sandbox.messages(REP_ADDRESS, "Archive")


def test_wait_for_messages_times_out_with_a_count(sandbox: Sandbox) -> None:
    with pytest.raises(TimeoutError, match="holds 0 message"):
        sandbox.wait_for_messages(REP_ADDRESS, 1, timeout=0.05)


# -- personas -----------------------------------------------------------------------------


async def test_reply_persona_answers_in_thread_with_a_quote(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "reply", name="Anna Schmidt")
    message = outgoing(PROSPECT)
    await send(sandbox, message)
    (reply,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert reply["From"] == f"Anna Schmidt <{PROSPECT}>"
    assert reply["In-Reply-To"] == message["Message-ID"]
    assert reply["References"] == message["Message-ID"]
    assert reply["Subject"] == "Re: Kurze Frage"
    assert reply["Auto-Submitted"] is None
    new_text, quote = text_of(reply).split(
        "Am 03.12.2024 um 10:00 schrieb Rep <rep@sales.example>:"
    )
    assert "interessant" in new_text
    assert "> Hallo Anna," in quote
    assert sandbox.messages(PROSPECT)[0]["Message-ID"] == message["Message-ID"]


async def test_auto_reply_persona_is_out_of_office(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "auto_reply")
    await send(sandbox, outgoing(PROSPECT))
    (answer,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert answer["Auto-Submitted"] == "auto-replied"
    assert answer["Subject"] == "Automatische Antwort: Kurze Frage"
    assert answer["Return-Path"] == "<>"
    assert "Ich bin bis " in text_of(answer)


async def test_auto_reply_persona_in_english(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "auto_reply", language="en")
    await send(sandbox, outgoing(PROSPECT))
    (answer,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert answer["Subject"] == "Out of Office: Kurze Frage"
    assert "out of the office until " in text_of(answer)


async def test_unsubscribe_persona_asks_to_be_removed(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "unsubscribe")
    message = outgoing(PROSPECT)
    await send(sandbox, message)
    (answer,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert answer["In-Reply-To"] == message["Message-ID"]
    assert text_of(answer).startswith("Bitte austragen, keine weiteren E-Mails.")


async def test_bounce_persona_returns_a_dsn_and_keeps_nothing(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "bounce")
    message = outgoing(PROSPECT)
    await send(sandbox, message)
    (bounce,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    _, per_recipient, returned_headers = report_parts(bounce)
    assert per_recipient["Final-Recipient"] == f"rfc822; {PROSPECT}"
    assert message["Message-ID"] in returned_headers
    assert sandbox.messages(PROSPECT) == []


async def test_silent_persona_receives_and_never_answers(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "silent")
    sandbox.persona("echo@prospect.example", "reply")
    await send(sandbox, outgoing(PROSPECT))
    # The echo persona's answer is scheduled after anything the silent one could send.
    await send(sandbox, outgoing("echo@prospect.example"))
    (only,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert only["From"].addresses[0].addr_spec == "echo@prospect.example"
    assert len(sandbox.messages(PROSPECT)) == 1


async def test_persona_reacts_to_the_configured_step(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "reply", on_step=2)
    first, second = outgoing(PROSPECT), outgoing(PROSPECT, subject="Nachfrage")
    await send(sandbox, first)
    await send(sandbox, second)
    (reply,) = await sandbox.wait_for_messages_async(REP_ADDRESS, 1)
    assert reply["In-Reply-To"] == second["Message-ID"]


async def test_persona_answers_after_its_delay(sandbox: Sandbox) -> None:
    sandbox.persona(PROSPECT, "reply", delay=0.3)
    began = time.perf_counter()
    await send(sandbox, outgoing(PROSPECT))
    assert sandbox.messages(REP_ADDRESS) == []
    await sandbox.wait_for_messages_async(REP_ADDRESS, 1, timeout=3)
    assert time.perf_counter() - began >= 0.3


def test_stop_drops_pending_persona_answers() -> None:
    with Sandbox() as sandbox:
        sandbox.add_user(REP_ADDRESS, REP_PASSWORD)
        sandbox.persona(PROSPECT, "reply", delay=60)
        asyncio.run(send(sandbox, outgoing(PROSPECT)))
    assert not [t for t in threading.enumerate() if t.name == "outreach-sandbox"]


# -- TLS ----------------------------------------------------------------------------------


async def test_tls_ports_and_starttls_with_the_generated_ca() -> None:
    with Sandbox(tls=True) as sandbox:
        sandbox.add_user(REP_ADDRESS, REP_PASSWORD)
        endpoints = sandbox.endpoints
        assert endpoints.ca_file is not None and endpoints.smtps_port and endpoints.imaps_port
        context = ssl.create_default_context(cafile=str(endpoints.ca_file))
        await send(sandbox, outgoing(REP_ADDRESS), start_tls=True, tls_context=context)
        await send(
            sandbox,
            outgoing(REP_ADDRESS),
            port=endpoints.smtps_port,
            use_tls=True,
            tls_context=context,
        )
        await sandbox.wait_for_messages_async(REP_ADDRESS, 2)
        imap = IMAPClient(endpoints.host, port=endpoints.imaps_port, ssl_context=context)
        imap.login(REP_ADDRESS, REP_PASSWORD)
        assert imap.select_folder("INBOX")[b"EXISTS"] == 2
        imap.logout()
    assert not endpoints.ca_file.exists()
