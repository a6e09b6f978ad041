"""``mailbox add`` + ``mailbox test`` against the real Postfix + Dovecot stack."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from tests.fixtures.mailstack import REP, MailStack

pytestmark = pytest.mark.mailstack


@pytest.fixture
def trust_stack(mailstack: MailStack, monkeypatch: pytest.MonkeyPatch) -> MailStack:
    """Trust the stack's CA the way a user trusts a private CA: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))
    return mailstack


def add_rep(stack: MailStack, password: str, imap_security: str = "tls") -> list[str]:
    imap_port = stack.imaps_port if imap_security == "tls" else stack.imap_port
    return [
        "mailbox", "add", REP.address, "--smtp-host", stack.host, "--smtp-port", str(stack.smtp_port),
        "--smtp-security", "starttls", "--imap-host", stack.host, "--imap-port", str(imap_port),
        "--imap-security", imap_security, "--password-stdin",
    ]


@pytest.mark.parametrize("imap_security", ["tls", "starttls"])
def test_mailbox_test_passes_every_step(
    trust_stack: MailStack, outreach_home: Path, imap_security: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    added = runner.invoke(cli, add_rep(trust_stack, REP.password, imap_security), input=f"{REP.password}\n")
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["-vv", "mailbox", "test", REP.address])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for step in ("SECRET", "SMTP connect", "SMTP EHLO", "SMTP STARTTLS", "SMTP AUTH",
                 "IMAP connect", "IMAP LOGIN", "IMAP SELECT INBOX", "IMAP Sent folder"):
        assert any(line.startswith(f"✓ {step}") for line in lines), (step, result.output)
    assert not any(line.startswith("✗") for line in lines)
    assert "Sent" in result.output
    _assert_secret_nowhere(REP.password, outreach_home, result.output, caplog.text)


def test_wrong_password_in_plain_words_then_edit_fixes_it(
    trust_stack: MailStack, outreach_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    wrong = "not-the-password"
    assert runner.invoke(cli, add_rep(trust_stack, wrong), input=f"{wrong}\n").exit_code == 0
    result = runner.invoke(cli, ["-vv", "mailbox", "test", REP.address])
    assert result.exit_code == 1
    smtp_auth = next(line for line in result.output.splitlines() if "SMTP AUTH" in line)
    assert smtp_auth.startswith("✗ SMTP AUTH — wrong user name or password: the server said “")
    assert "(535 5.7.8)" in smtp_auth, result.output
    imap_login = next(line for line in result.output.splitlines() if "IMAP LOGIN" in line)
    assert imap_login.startswith("✗ IMAP LOGIN — wrong user name or password: the server said “")
    assert "authentication failed" in imap_login.lower() and "(AUTHENTICATIONFAILED)" in imap_login
    for line in (smtp_auth, imap_login):
        assert "b'" not in line and "[AUTHENTICATIONFAILED]" not in line, line
        assert "Try: check the password" in line
        assert f"`outreach mailbox edit {REP.address} --password-stdin`" in line
    _assert_secret_nowhere(wrong, outreach_home, result.output, caplog.text)

    fixed = runner.invoke(cli, ["mailbox", "edit", REP.address, "--password-stdin"],
                          input=f"{REP.password}\n")
    assert fixed.exit_code == 0, fixed.output
    again = runner.invoke(cli, ["mailbox", "test", REP.address])
    assert again.exit_code == 0, again.output
    assert not any(line.startswith("✗") for line in again.output.splitlines())


def test_untrusted_certificate_is_refused_with_advice(mailstack: MailStack, outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_rep(mailstack, REP.password), input=f"{REP.password}\n")
    result = runner.invoke(cli, ["mailbox", "test", REP.address])
    assert result.exit_code == 1
    assert "certificate" in result.output.lower()
    assert "--insecure-skip-verify" in result.output


def _assert_secret_nowhere(secret: str, home: Path, *texts: str) -> None:
    for text in texts:
        assert secret not in text
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
