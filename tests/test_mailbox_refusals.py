"""Server refusals in plain words: parsed from the servers' raw texts, no server needed."""

from __future__ import annotations

import imaplib

import aiosmtplib
import pytest
from imapclient.exceptions import LoginError

from outreach.mailbox.probe import describe_error
from outreach.mailbox.refusals import imap_refusal, server_text, smtp_refusal


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"[AUTHENTICATIONFAILED] Authentication failed.", "[AUTHENTICATIONFAILED] Authentication failed."),
        ("b'[AUTHENTICATIONFAILED] Authentication failed.'", "[AUTHENTICATIONFAILED] Authentication failed."),
        ("LOGIN command error: BAD [b'Error in IMAP command LOGIN: Invalid arguments.']",
         "LOGIN command error: BAD Error in IMAP command LOGIN: Invalid arguments."),
        ("b'Anmeldung fehlgeschlagen \\xc3\\xa4'", "Anmeldung fehlgeschlagen ä"),
        ('b"it\'s refused"', "it's refused"),
        ("no bytes here", "no bytes here"),
    ],
)
def test_server_text_decodes_bytes_and_their_reprs(raw: bytes | str, text: str) -> None:
    assert server_text(raw) == text


def test_imap_authenticationfailed_in_plain_words() -> None:
    refusal = imap_refusal("b'[AUTHENTICATIONFAILED] Authentication failed.'")
    assert (refusal.said, refusal.code) == ("Authentication failed.", "AUTHENTICATIONFAILED")
    line = refusal.describe("lena@firma.de")
    assert line.startswith("wrong user name or password: the server said “Authentication failed.”")
    assert "app password" in line
    assert "`outreach mailbox edit lena@firma.de --password-stdin`" in line
    assert "b'" not in line and "[AUTHENTICATIONFAILED]" not in line


def test_gmail_app_password_wins_over_the_code() -> None:
    line = imap_refusal(
        b"[ALERT] Application-specific password required: https://support.google.com/mail/?p=x"
    ).describe("lena@gmail.com")
    assert line.startswith("this account needs an app password")


@pytest.mark.parametrize(
    ("code", "message", "start", "shown_code"),
    [
        (535, "5.7.8 Error: authentication failed: authentication failure",
         "wrong user name or password", "(535 5.7.8)"),
        (535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
         "Tenant.", "SMTP sign-in (Authenticated SMTP) is turned off", "(535 5.7.139)"),
        (534, "5.7.9 Application-specific password required.", "this account needs an app password",
         "(534 5.7.9)"),
        (530, "5.7.0 Must issue a STARTTLS command first",
         "the server wants an encrypted connection", "(530 5.7.0)"),
        (451, "4.7.1 Service unavailable - try again later", "the server cannot do this right now",
         "(451 4.7.1)"),
        (599, "something new", "the server said “something new”", "(599)"),
    ],
)
def test_smtp_refusals_in_plain_words(code: int, message: str, start: str, shown_code: str) -> None:
    line = smtp_refusal(code, message).describe("lena@firma.de")
    assert line.startswith(start), line
    assert shown_code in line


def test_describe_error_reads_what_imapclient_and_aiosmtplib_raise() -> None:
    login = LoginError(str(imaplib.IMAP4.error(b"[AUTHENTICATIONFAILED] Authentication failed.")))
    assert str(login) == "b'[AUTHENTICATIONFAILED] Authentication failed.'"  # what we get today
    imap_line = describe_error(login, "rep@sales.test")
    assert imap_line.startswith("wrong user name or password: the server said “Authentication")
    assert "rep@sales.test" in imap_line
    smtp = aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Error: authentication failed: UGFzc3dvcmQ6")
    assert describe_error(smtp).startswith("wrong user name or password")
    no_auth = aiosmtplib.SMTPException("The SMTP AUTH extension is not supported by this server.")
    assert describe_error(no_auth, "rep@sales.test").startswith("the server offers no login")


def test_a_refused_oauth2_login_blames_the_token_not_a_password() -> None:
    refused = aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Username and access token not accepted")
    line = describe_error(refused, "rep@sales.test", oauth2=True)
    assert line.startswith("the OAuth2 access token was not accepted")
    assert "--oauth2-token-command" in line and "--password-stdin" not in line
