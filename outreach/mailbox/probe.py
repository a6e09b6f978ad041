"""``mailbox test``: log in over SMTP and IMAP step by step and report each step ✓/✗.

Each failed step carries the server's own words so a rep can see what was refused.
The secret is never part of a step's detail.
"""

from __future__ import annotations

import asyncio
import imaplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import aiosmtplib
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from outreach.errors import OutreachError
from outreach.i18n import _, ngettext, number
from outreach.mailbox.account import Account
from outreach.mailbox.connect import (
    imap_client,
    imap_login,
    locate_sent_folder,
    smtp_client,
    smtp_password_auth,
    smtp_token_auth,
)
from outreach.mailbox.folders import SENT_NAMES, not_found
from outreach.mailbox.refusals import (
    ADDRESS,
    Refusal,
    explain_plain,
    imap_refusal,
    smtp_refusal,
)


@dataclass(frozen=True)
class ProbeStep:
    """One step of a connection test."""

    protocol: str  # smtp | imap
    name: str
    ok: bool
    detail: str = ""
    value: str = ""
    """What the step found, when a caller keeps it (the Sent folder's name)."""


class _Steps:
    """Collects steps: a success with its detail, or a failure in plain words."""

    def __init__(self, protocol: str, account: Account) -> None:
        self.protocol = protocol
        self.account = account
        self.items: list[ProbeStep] = []

    def ok(self, name: str, detail: str = "", value: str = "") -> None:
        self.items.append(ProbeStep(self.protocol, name, True, detail, value))

    def fail(self, name: str, exc: BaseException) -> None:
        self.items.append(
            ProbeStep(
                self.protocol,
                name,
                False,
                describe_error(exc, self.account.email, oauth2=self.account.uses_oauth2),
            )
        )


def describe_error(exc: BaseException, address: str = ADDRESS, *, oauth2: bool = False) -> str:
    """What went wrong in plain words, with the server's own text and what to try
    (``address`` names the mailbox in that advice; ``oauth2``: the secret is a token)."""
    refusal = _refusal(exc)
    if refusal is not None:
        return (refusal.with_token() if oauth2 else refusal).describe(address)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _(
            "TLS certificate not trusted: {why} (use --insecure-skip-verify only for a test "
            "server)"
        ).format(why=exc.verify_message)
    if isinstance(exc, socket.gaierror):
        return _("host not found: {error}").format(error=exc)
    text = str(exc) or type(exc).__name__
    explained = explain_plain(text, address)
    if explained:
        return explained
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def _refusal(exc: BaseException) -> Refusal | None:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return smtp_refusal(exc.code, exc.message)
    if isinstance(exc, IMAPClientError | imaplib.IMAP4.error):
        return imap_refusal(exc.args[0] if exc.args else str(exc))
    return None


async def probe_smtp(account: Account, get_secret: Callable[[], str]) -> list[ProbeStep]:
    steps = _Steps("smtp", account)
    client = smtp_client(account, timeout=20)
    try:
        await _smtp_steps(client, account, get_secret, steps)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
    return steps.items


async def _smtp_steps(
    client: aiosmtplib.SMTP, account: Account, get_secret: Callable[[], str], steps: _Steps
) -> None:
    endpoint = account.smtp
    name = f"connect {endpoint}"
    try:
        response = await client.connect()
        steps.ok(name, response.message.splitlines()[0] if response.message else "")
        await client.ehlo()
        steps.ok("EHLO", ", ".join(sorted(client.esmtp_extensions)))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return steps.fail(name, exc)
    if endpoint.security == "starttls":
        try:
            await client.starttls()
            steps.ok("STARTTLS", _tls_version(client))
        except (aiosmtplib.SMTPException, OSError) as exc:
            return steps.fail("STARTTLS", exc)
    elif endpoint.security == "tls":
        steps.ok("TLS", _tls_version(client))
    await _smtp_auth(client, account, get_secret, steps)


async def _smtp_auth(
    client: aiosmtplib.SMTP, account: Account, get_secret: Callable[[], str], steps: _Steps
) -> None:
    mechanism = "XOAUTH2" if account.uses_oauth2 else "AUTH"
    try:
        secret = get_secret()
        if account.uses_oauth2:
            mechanism = await smtp_token_auth(client, account.username, secret)
        else:
            await smtp_password_auth(client, account.username, secret)
        steps.ok(mechanism, _("as {user}").format(user=account.username))
    except Exception as exc:  # noqa: BLE001 - every failure is reported as a step
        steps.fail(mechanism, exc)


def _tls_version(client: aiosmtplib.SMTP) -> str:
    transport = client.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport else None
    return str(ssl_object.version()) if ssl_object else ""


def probe_imap(account: Account, get_secret: Callable[[], str]) -> list[ProbeStep]:
    steps = _Steps("imap", account)
    name = f"connect {account.imap}"
    try:
        client = imap_client(account.imap, account.insecure_skip_verify, timeout=20)
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        steps.fail(name, exc)
        return steps.items
    steps.ok(name, _imap_greeting(client))
    try:
        _imap_steps(client, account, get_secret, steps)
    finally:
        try:
            client.logout()
        except (OSError, IMAPClientError, imaplib.IMAP4.error):
            client.shutdown()
    return steps.items


def _imap_greeting(client: IMAPClient) -> str:
    welcome = client.welcome
    return welcome.decode(errors="replace") if isinstance(welcome, bytes) else str(welcome or "")


def _imap_steps(
    client: IMAPClient, account: Account, get_secret: Callable[[], str], steps: _Steps
) -> None:
    try:
        imap_login(client, account, get_secret())
        steps.ok("LOGIN", _("as {user}").format(user=account.username))
    except Exception as exc:  # noqa: BLE001 - every failure is reported as a step
        return steps.fail("LOGIN", exc)
    try:
        info = client.select_folder("INBOX", readonly=True)
        count = int(info.get(b"EXISTS", 0))
        steps.ok("SELECT INBOX", ngettext("{count} message", "{count} messages", count).format(
            count=number(count)))
    except (IMAPClientError, imaplib.IMAP4.error, OSError) as exc:
        return steps.fail("SELECT INBOX", exc)
    _find_sent(client, steps)


def _find_sent(client: IMAPClient, steps: _Steps) -> None:
    """Which folder our copies go to, how it was found, and whether it opens."""
    try:
        found = locate_sent_folder(client)
    except (IMAPClientError, imaplib.IMAP4.error, OSError) as exc:
        return steps.fail("Sent folder", exc)
    if found is None:
        return steps.fail("Sent folder", LookupError(not_found("\\Sent", SENT_NAMES)))
    folder, how = found
    try:
        info = client.select_folder(folder, readonly=True)
    except (IMAPClientError, imaplib.IMAP4.error, OSError) as exc:
        text = str(exc) or type(exc).__name__
        return steps.fail("Sent folder", LookupError(
            _("{folder} ({how}): server said {text}").format(
                folder=repr(folder), how=how, text=text)))
    count = int(info.get(b"EXISTS", 0))
    messages = ngettext("{count} message", "{count} messages", count).format(count=number(count))
    steps.ok("Sent folder", f"{folder} ({how}; {messages})", value=folder)


async def probe_account(account: Account, get_secret: Callable[[], str]) -> list[ProbeStep]:
    """Fetch the secret once, then run the SMTP and IMAP checks side by side."""
    source = {"keyring": _("from OS keyring"), "command": _("from password command"),
              "oauth2": _("from your OAuth sign-in")}.get(
        account.secret.source, _("from token command")
    )
    try:
        secret = await asyncio.to_thread(get_secret)
    except OutreachError as exc:
        return [ProbeStep("secret", source, False, exc.message)]
    first = ProbeStep("secret", source, True)
    smtp_steps, imap_steps = await asyncio.gather(
        probe_smtp(account, lambda: secret), asyncio.to_thread(probe_imap, account, lambda: secret)
    )
    return [first, *smtp_steps, *imap_steps]
