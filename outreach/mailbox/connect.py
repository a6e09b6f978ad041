"""Opening SMTP (aiosmtplib) and IMAP (imapclient) connections for an :class:`Account`.

Certificates are verified unless the account says ``insecure_skip_verify`` (self-signed
test servers). Errors are wrapped into :class:`~outreach.errors.ConnectionFailed` with the
server's own words, and never contain the secret.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl

import aiosmtplib
from imapclient import IMAPClient

from outreach.mailbox.account import Account, Endpoint

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30.0


def tls_context(insecure_skip_verify: bool = False) -> ssl.SSLContext:
    """A client TLS context: verifying by default, TLS 1.2 at least.

    Shared by every connection: each context loads the whole CA store (about a megabyte),
    which a daemon holding hundreds of connections must not repeat. ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR`` (a private CA) are part of the key.
    """
    return _tls_context(
        insecure_skip_verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    )


@functools.lru_cache(maxsize=8)
def _tls_context(
    insecure_skip_verify: bool, _cert_file: str | None, _cert_dir: str | None
) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def smtp_client(account: Account, timeout: float = CONNECT_TIMEOUT_S) -> aiosmtplib.SMTP:
    """An unconnected aiosmtplib client for the account's SMTP endpoint."""
    endpoint = account.smtp
    return aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        use_tls=endpoint.security == "tls",
        start_tls=False,
        tls_context=tls_context(account.insecure_skip_verify),
        timeout=timeout,
    )


async def smtp_login(client: aiosmtplib.SMTP, account: Account, secret: str) -> None:
    """STARTTLS when configured, then AUTH (XOAUTH2 for token accounts)."""
    if account.smtp.security == "starttls":
        await client.starttls()
    if account.uses_oauth2:
        await client.auth_xoauth2(account.username, secret)
    else:
        await smtp_password_auth(client, account.username, secret)


async def smtp_password_auth(client: aiosmtplib.SMTP, username: str, secret: str) -> None:
    """One AUTH attempt with the best mechanism offered.

    aiosmtplib's ``login`` tries every advertised mechanism in turn; with a wrong password
    that is several failed logins per attempt, which servers count toward lockouts.
    """
    await client.ehlo()
    methods = client.supported_auth_methods
    if "plain" in methods:
        await client.auth_plain(username, secret)
    elif "login" in methods:
        await client.auth_login(username, secret)
    else:
        await client.login(username, secret)


def imap_client(
    endpoint: Endpoint, insecure: bool, timeout: float = CONNECT_TIMEOUT_S
) -> IMAPClient:
    """A connected (TLS or STARTTLS'd) but not logged-in IMAP client."""
    context = tls_context(insecure)
    client = IMAPClient(
        endpoint.host,
        port=endpoint.port,
        ssl=endpoint.security == "tls",
        ssl_context=context,
        timeout=timeout,
        use_uid=True,
    )
    if endpoint.security == "starttls":
        client.starttls(context)
    return client


def imap_login(client: IMAPClient, account: Account, secret: str) -> None:
    if account.uses_oauth2:
        client.oauth2_login(account.username, secret)
    else:
        client.login(account.username, secret)


def open_imap(account: Account, secret: str) -> IMAPClient:
    """A connected, logged-in IMAP client."""
    client = imap_client(account.imap, account.insecure_skip_verify)
    try:
        imap_login(client, account, secret)
    except BaseException:
        client.shutdown()
        raise
    return client


def special_use_folder(client: IMAPClient, flag: bytes) -> str | None:
    """The folder LIST flags with ``flag`` (SPECIAL-USE), matched case-insensitively.

    RFC 6154 attributes are case-insensitive and servers differ: Dovecot says ``\\Sent``,
    Cyrus ``\\sent``. imapclient's ``find_special_folder`` compares them case-sensitively.
    """
    wanted = flag.lower()
    for flags, _delim, name in client.list_folders():
        if any(f.lower() == wanted for f in flags):
            return str(name)
    return None


def find_sent_folder(client: IMAPClient) -> str | None:
    """The folder flagged ``\\Sent`` (SPECIAL-USE), else imapclient's well-known names."""
    found = special_use_folder(client, b"\\Sent") or client.find_special_folder(b"\\Sent")
    return str(found) if found else None
