"""The TLS version and certificate each server presents, as doctor findings.

Uses the same connection code as sending (``outreach.mailbox.connect``), so what is
checked is what the engine will meet: a certificate the engine would refuse fails here.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosmtplib

from outreach.deliverability.findings import Finding, fail, ok, warn
from outreach.i18n import _, ngettext
from outreach.mailbox.account import Account
from outreach.mailbox.connect import imap_client, smtp_client
from outreach.mailbox.probe import describe_error

EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class PeerTls:
    """What a TLS handshake showed: protocol version and the (verified) certificate."""

    version: str
    certificate: dict[str, Any]


async def smtp_tls(account: Account) -> PeerTls | None:
    """The SMTP server's TLS (after STARTTLS when configured); None for plaintext."""
    if account.smtp.security == "none":
        return None
    client = smtp_client(account, timeout=20)
    await client.connect()
    try:
        if account.smtp.security == "starttls":
            await client.starttls()
        return _peer(client.transport.get_extra_info("ssl_object") if client.transport else None)
    finally:
        await _quit(client)


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except aiosmtplib.SMTPException:
        client.close()


def imap_tls(account: Account) -> PeerTls | None:
    """The IMAP server's TLS (after STARTTLS when configured); None for plaintext."""
    if account.imap.security == "none":
        return None
    client = imap_client(account.imap, account.insecure_skip_verify, timeout=20)
    try:
        return _peer(client.socket())
    finally:
        client.shutdown()


def _peer(ssl_object: Any) -> PeerTls | None:
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    return PeerTls(str(ssl_object.version()), ssl_object.getpeercert() or {})


async def tls_findings(account: Account) -> list[Finding]:
    """One finding per protocol: TLS version and certificate (or why there is none)."""
    smtp = await _safely("SMTP", smtp_tls(account), account)
    imap = await _safely("IMAP", asyncio.to_thread(imap_tls, account), account)
    return [smtp, imap]


async def _safely(protocol: str, pending: Any, account: Account) -> Finding:
    check = f"{protocol} TLS certificate"
    try:
        peer = await pending
    except (OSError, aiosmtplib.SMTPException, ssl.SSLError) as exc:
        return fail(check, describe_error(exc), _("fix the TLS problem above (see the connect "
                    "line): the engine will refuse this server the same way"))
    except Exception as exc:  # noqa: BLE001 - imapclient errors vary; each is reported
        return fail(check, describe_error(exc), _("check the server name and port"))
    return certificate_finding(check, peer, account.insecure_skip_verify)


def certificate_finding(check: str, peer: PeerTls | None, insecure: bool,
                        now: datetime | None = None) -> Finding:
    if peer is None:
        return warn(check, _("plaintext connection (allowed on loopback only)"),
                    _("use starttls or tls for any real server"))
    if insecure or not peer.certificate:
        return warn(check, _("{version}, certificate NOT verified (--insecure-skip-verify)"
                             ).format(version=peer.version),
                    _("trust the server's CA instead (SSL_CERT_FILE) and drop "
                      "--insecure-skip-verify: only a test server should need it"))
    return _expiry(check, peer, now or datetime.now(UTC))


def _expiry(check: str, peer: PeerTls, now: datetime) -> Finding:
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(peer.certificate["notAfter"]),
                                       UTC)
    days = (not_after - now).days
    detail = _("{version}, {subject} valid until {day}").format(
        version=peer.version, subject=_subject(peer.certificate), day=f"{not_after:%Y-%m-%d}")
    if days < EXPIRY_WARNING_DAYS:
        left = ngettext("{count} day left", "{count} days left", days).format(count=days)
        return warn(check, f"{detail} ({left})",
                    _("ask your provider to renew the certificate before it expires"))
    return ok(check, detail)


def _subject(certificate: dict[str, Any]) -> str:
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return f"CN={value}"
    return "certificate"
