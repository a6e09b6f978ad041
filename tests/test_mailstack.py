"""The real Postfix + Dovecot stack behaves as the rest of the suite relies on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage, Message

import aiosmtplib
import pytest

from tests.fixtures.mailstack import REP, REP2, MailStack

pytestmark = pytest.mark.mailstack


def outgoing(sender: str, recipient: str) -> EmailMessage:
    """A small message with a unique Message-ID to find it again."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "mailstack check"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@sales.test>"
    message.set_content("Hello from the mail stack test.\n")
    return message


def has_message_id(message_id: str) -> Callable[[Message], bool]:
    return lambda message: message.get("Message-ID") == message_id


def returned_message_ids(report: Message) -> list[str]:
    """Message-IDs of the originals a DSN returns (Postfix attaches them as message/rfc822)."""
    originals = [
        part.get_payload(0) for part in report.walk() if part.get_content_type() == "message/rfc822"
    ]
    return [str(original["Message-ID"]) for original in originals if isinstance(original, Message)]


def is_dsn_for(message_id: str) -> Callable[[Message], bool]:
    def matches(message: Message) -> bool:
        return (
            message.get_content_type() == "multipart/report"
            and message_id in returned_message_ids(message)
        )

    return matches


def recipient_status(report: Message) -> Message:
    """The per-recipient fields block of a DSN's message/delivery-status part."""
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            assert isinstance(blocks, list) and len(blocks) >= 2, blocks
            status = blocks[1]
            assert isinstance(status, Message)
            return status
    raise AssertionError("DSN has no message/delivery-status part")


async def submit(stack: MailStack, sender: str, password: str, message: EmailMessage) -> None:
    async with stack.smtp_client(sender, password) as smtp:
        await smtp.send_message(message)


@pytest.fixture
def tempfail_off(mailstack: MailStack) -> Iterator[list[str]]:
    """Addresses a test switched to tempfail; switched back off afterwards."""
    addresses: list[str] = []
    yield addresses
    for address in addresses:
        mailstack.set_tempfail(address, False)


async def test_submitted_message_reaches_recipient_inbox(mailstack: MailStack) -> None:
    message = outgoing(REP.address, "alice@prospects.test")
    await submit(mailstack, REP.address, REP.password, message)

    [received] = mailstack.wait_for_messages(
        "alice@prospects.test", 1, match=has_message_id(message["Message-ID"])
    )

    assert received["Subject"] == "mailstack check"
    assert received["From"] == REP.address


async def test_unknown_recipient_bounces_with_real_dsn(mailstack: MailStack) -> None:
    message = outgoing(REP.address, "nobody@prospects.test")
    await submit(mailstack, REP.address, REP.password, message)

    [dsn] = mailstack.wait_for_messages(REP.address, 1, match=is_dsn_for(message["Message-ID"]))

    status = recipient_status(dsn)
    assert status["Action"] == "failed"
    assert str(status["Status"]).startswith("5.")
    assert "nobody@prospects.test" in str(status["Final-Recipient"])


async def test_tempfail_switches_rcpt_to_4xx_and_back(
    mailstack: MailStack, tempfail_off: list[str]
) -> None:
    recipient = "bob@prospects.test"
    tempfail_off.append(recipient)
    mailstack.set_tempfail(recipient, True)
    async with mailstack.smtp_client(REP.address, REP.password) as smtp:
        await smtp.mail(REP.address)
        with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
            await smtp.rcpt(recipient)
    assert 400 <= refused.value.code < 500

    mailstack.set_tempfail(recipient, False)
    message = outgoing(REP.address, recipient)
    await submit(mailstack, REP.address, REP.password, message)
    mailstack.wait_for_messages(recipient, 1, match=has_message_id(message["Message-ID"]))


async def test_wrong_password_is_refused_with_535(mailstack: MailStack) -> None:
    # One mechanism only: each failed AUTH is answered on Dovecot's 0.5 s failure flush.
    async with mailstack.smtp_client() as smtp:
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await smtp.auth_plain(REP.address, "not-the-password")
    assert refused.value.code == 535


async def test_over_quota_defers_then_expires_with_failed_4xx_dsn(mailstack: MailStack) -> None:
    message = outgoing(REP2.address, "full@acme.test")
    await submit(mailstack, REP2.address, REP2.password, message)
    mailstack.expire_queue()

    [dsn] = mailstack.wait_for_messages(REP2.address, 1, match=is_dsn_for(message["Message-ID"]))

    status = recipient_status(dsn)
    assert status["Action"] == "failed"
    assert str(status["Status"]).startswith("4.")


def test_added_user_can_log_in(mailstack: MailStack) -> None:
    mailstack.add_user("newbie@acme.test", "fresh-secret")
    with mailstack.imap_client("newbie@acme.test", "fresh-secret") as client:
        assert client.folder_exists("INBOX")


@pytest.mark.parametrize("starttls", [True, False], ids=["starttls", "implicit-tls"])
def test_imap_has_idle_and_special_use_folders(mailstack: MailStack, starttls: bool) -> None:
    with mailstack.imap_client(REP.address, REP.password, starttls=starttls) as client:
        capabilities = client.capabilities()
        flags_by_name = {name: flags for flags, _delim, name in client.list_folders()}

    assert b"IDLE" in capabilities
    assert b"SPECIAL-USE" in capabilities
    assert b"\\Sent" in flags_by_name["Sent"]
    assert b"\\Junk" in flags_by_name["Junk"]
