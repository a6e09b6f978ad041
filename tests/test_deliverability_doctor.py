"""``outreach doctor`` against the real mail stack and a real DNS server (NSD).

Each sending domain in the test zone has one thing broken (see tests/fixtures/dns.py);
the newest message in each mailbox's Sent folder was DKIM-signed with the test key and
went through Postfix before it was filed in Sent.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import dkim
import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.deliverability.dkim_check import verify_signatures
from outreach.deliverability.dns import parse_resolver
from outreach.deliverability.doctor import diagnose_all
from outreach.deliverability.findings import Diagnosis
from outreach.store import open_store
from tests.fixtures.campaigns import add_mailbox
from tests.fixtures.dns import TEST_SELECTOR, DkimKey, DnsServer
from tests.fixtures.mailstack import MailStack, parse_message

pytestmark = pytest.mark.mailstack

RECIPIENT = "rep@sales.test"



@pytest.fixture
def env(mailstack: MailStack, dnsserver: DnsServer, outreach_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> tuple[MailStack, DnsServer]:
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))
    monkeypatch.setenv("OUTREACH_DNS", dnsserver.spec)
    return mailstack, dnsserver


def signed(sender: str, key: DkimKey | None, marker: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, RECIPIENT
    message["Subject"] = f"doctor check {marker}"
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content("Hello,\n\na message to check DKIM.\n\nRep\n")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    if key is None:
        return raw
    domain = sender.rpartition("@")[2].encode()
    headers = [b"from", b"to", b"subject", b"date", b"message-id"]
    return dkim.sign(raw, TEST_SELECTOR.encode(), domain, key.private_pem,
                     include_headers=headers) + raw


async def sent_mailbox(stack: MailStack, dns_server: DnsServer, address: str,
                       key: DkimKey | None) -> bytes:
    """A mailbox user whose newest Sent message is ``raw``, sent through Postfix first."""
    password = f"pw-{uuid.uuid4().hex[:6]}"
    stack.add_user(address, password)
    marker = uuid.uuid4().hex[:8]
    raw = signed(address, key, marker)
    async with stack.smtp_client(address, password) as smtp:
        await smtp.sendmail(address, [RECIPIENT], raw)
    with stack.imap_client(address, password) as client:
        client.append("Sent", raw)
    add_mailbox(open_store(), address, password, stack.host, stack.smtp_port, stack.imaps_port,
                security="starttls")
    return raw


def statuses(diagnosis: Diagnosis) -> dict[str, str]:
    return {f.check: f.status for f in diagnosis.findings}


async def doctor(stack_dns: tuple[MailStack, DnsServer], address: str,
                 key: DkimKey | None = None) -> Diagnosis:
    stack, dns_server = stack_dns
    await sent_mailbox(stack, dns_server, address, key or dns_server.dkim)
    (diagnosis,) = await diagnose_all(open_store(), parse_resolver(dns_server.spec), address)
    return diagnosis


async def test_good_domain_is_all_green(env: tuple[MailStack, DnsServer]) -> None:
    diagnosis = await doctor(env, "rep@good.test")
    found = statuses(diagnosis)
    for check in ("SMTP STARTTLS", "SMTP AUTH", "IMAP LOGIN", "SMTP TLS certificate",
                  "IMAP TLS certificate", "MX", "SPF", "DMARC", "DKIM", "From address"):
        assert found[check] == "ok", (check, diagnosis)
    assert not diagnosis.failed
    by_check = {f.check: f for f in diagnosis.findings}
    assert "include:_spf.good.test" in by_check["SPF"].detail
    assert "127.0.0.1" in by_check["SPF"].detail
    assert f"d=good.test s={TEST_SELECTOR} verified" in by_check["DKIM"].detail
    assert "p=reject" in by_check["DMARC"].detail


@pytest.mark.parametrize(
    ("address", "check", "status", "words"),
    [
        ("rep@nospf.test", "SPF", "fail", "no SPF record"),
        ("rep@badspf.test", "SPF", "fail", "does not authorize"),
        ("rep@loopspf.test", "SPF", "fail", "lookups"),
        ("rep@nodmarc.test", "DMARC", "fail", "no DMARC record"),
        ("rep@nonedmarc.test", "DMARC", "warn", "p=none"),
        ("rep@baddkim.test", "DKIM", "fail", "does not verify"),
        ("rep@nomx.test", "MX", "fail", "no MX record"),
        ("noreply@good.test", "From address", "warn", "no-reply"),
    ],
)
async def test_each_broken_record_is_flagged(
    env: tuple[MailStack, DnsServer], address: str, check: str, status: str, words: str
) -> None:
    diagnosis = await doctor(env, address)
    finding = next(f for f in diagnosis.findings if f.check == check)
    assert finding.status == status, diagnosis
    assert words in finding.detail, finding
    assert finding.fix, "a finding that is not ✓ says what to do"
    others = {"MX", "SPF", "DMARC", "DKIM"} - {check}
    if address.endswith(("spf.test", "dmarc.test", "dkim.test")):
        assert all(statuses(diagnosis)[c] == "ok" for c in others), diagnosis


async def test_unsigned_message_fails_dkim_with_advice(env: tuple[MailStack, DnsServer]) -> None:
    stack, dns_server = env
    address = f"unsigned-{uuid.uuid4().hex[:6]}@good.test"
    await sent_mailbox(stack, dns_server, address, None)
    (diagnosis,) = await diagnose_all(open_store(), parse_resolver(dns_server.spec), address)
    finding = next(f for f in diagnosis.findings if f.check == "DKIM")
    assert finding.status == "fail" and "no DKIM-Signature" in finding.detail
    assert "turn on DKIM signing" in finding.fix


async def test_signature_survives_the_real_stack(env: tuple[MailStack, DnsServer]) -> None:
    """The copy Postfix delivered (with its Received: headers) still verifies."""
    stack, dns_server = env
    raw = await sent_mailbox(stack, dns_server, "rep@good.test", dns_server.dkim)
    message_id = parse_message(raw)["Message-ID"]
    (delivered,) = stack.wait_for_messages(RECIPIENT, 1, match=lambda m: m["Message-ID"] == message_id)
    assert "Received" in delivered
    (signature,) = verify_signatures(delivered.as_bytes(), dns_server.resolver())
    assert signature.ok and signature.domain == "good.test", signature


def test_cli_exit_codes_and_json(env: tuple[MailStack, DnsServer]) -> None:
    stack, dns_server = env
    asyncio.run(sent_mailbox(stack, dns_server, "rep@good.test", dns_server.dkim))
    asyncio.run(sent_mailbox(stack, dns_server, "rep@badspf.test", dns_server.dkim))
    runner = CliRunner()
    good = runner.invoke(cli, ["doctor", "rep@good.test", "--json"])
    assert good.exit_code == 0, good.output
    (report,) = json.loads(good.output)
    assert report["ok"] is True and report["mailbox"] == "rep@good.test"
    bad = runner.invoke(cli, ["doctor", "rep@badspf.test", "--resolver", dns_server.spec])
    assert bad.exit_code == 1, bad.output
    spf_line = next(line for line in bad.output.splitlines() if "SPF:" in line)
    assert spf_line.startswith("✗"), bad.output
    assert "→" in bad.output
