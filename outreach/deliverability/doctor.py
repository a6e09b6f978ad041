"""``outreach doctor``: everything that decides whether a mailbox's mail arrives.

Per mailbox: can we reach and log in to SMTP and IMAP (the ``mailbox test`` steps), which
TLS version and certificate do the servers present, does the sending domain have MX, SPF
that authorizes the SMTP host, a DMARC policy, and does the newest sent message carry a
DKIM signature that verifies; plus sender habits (no-reply address, free-mail domain, a
daily cap above the provider's limit). Every finding is ✓ / ⚠ / ✗ with a one-line fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from outreach import secrets
from outreach.accounts import account_of, list_mailboxes
from outreach.addresses import domain_of
from outreach.deliverability.dkim_finding import dkim_finding
from outreach.deliverability.dns import ResolverSpec, make_resolver
from outreach.deliverability.domain_checks import dmarc_finding, mx_finding, spf_finding
from outreach.deliverability.findings import Diagnosis, Finding, fail, ok
from outreach.deliverability.sender import daily_cap_finding, freemail_finding, noreply_finding
from outreach.deliverability.signin_check import sign_in_finding
from outreach.deliverability.tls_check import tls_findings
from outreach.errors import NotFoundError, OutreachError
from outreach.i18n import N_, _
from outreach.mailbox.account import Account
from outreach.mailbox.probe import ProbeStep, probe_account
from outreach.oauth import grants
from outreach.store.models import Mailbox

STEP_FIXES: dict[str, str] = {
    "secret": N_("store the password again: `outreach mailbox edit ADDRESS --password-stdin`"),
    "connect": N_("check host and port (`outreach mailbox edit ADDRESS --smtp-host/--imap-host "
                  "…`) and that no firewall blocks the connection"),
    "EHLO": N_("the server refused the greeting: check that this is a submission port "
               "(587/465)"),
    "STARTTLS": N_("use --smtp-security tls with port 465, or trust the server's CA "
                   "(SSL_CERT_FILE)"),
    "TLS": N_("check the port speaks implicit TLS (465 for SMTP, 993 for IMAP)"),
    "AUTH": N_("check the username and password (with 2FA an app password is needed), "
               "then `outreach mailbox edit ADDRESS --password-stdin`"),
    "XOAUTH2": N_("refresh the token your --oauth2-token-command prints, or sign in again: "
                  "`outreach mailbox login ADDRESS`"),
    "OAUTHBEARER": N_("sign in again: `outreach mailbox login ADDRESS`"),
    "LOGIN": N_("check the username and password (with 2FA an app password is needed), "
                "then `outreach mailbox edit ADDRESS --password-stdin`"),
    "SELECT INBOX": N_("the account has no readable INBOX: ask your provider to enable IMAP"),
    "Sent folder": N_("create a Sent folder (or enable SPECIAL-USE) so sent copies can be "
                      "filed"),
}


async def diagnose(row: Mailbox, spec: ResolverSpec) -> Diagnosis:
    """Every finding for one mailbox; never raises for what it finds."""
    account = account_of(row)
    secret, secret_error = await asyncio.to_thread(_fetch_secret, account)
    steps = await probe_account(account, _secret_getter(secret, secret_error))
    findings = [_step_finding(step) for step in steps]
    findings += await _tls(account, steps)
    findings += await asyncio.to_thread(_dns_findings, row, account, secret, steps, spec)
    domain = domain_of(row.email)
    findings += [noreply_finding(row.email), freemail_finding(domain),
                 daily_cap_finding(row.daily_cap, row.smtp_host, domain)]
    signed_in = await asyncio.to_thread(grants.stored_grant, row.email)
    sign_in = sign_in_finding(row, signed_in, datetime.now(UTC))
    findings += [sign_in] if sign_in else []
    return Diagnosis(row.email, tuple(findings))


def _fetch_secret(account: Account) -> tuple[str | None, OutreachError | None]:
    try:
        return secrets.fetch_secret(account.secret), None
    except OutreachError as exc:
        return None, exc


def _secret_getter(secret: str | None, error: OutreachError | None) -> Callable[[], str]:
    def get() -> str:
        if secret is None:
            raise error or OutreachError(_("no password or token stored"))
        return secret

    return get


def _step_finding(step: ProbeStep) -> Finding:
    check = f"{step.protocol.upper()} {step.name}" if step.protocol != "secret" else "Secret"
    if step.ok:
        return ok(check, step.detail or step.name)
    key = step.name.split(" ", 1)[0] if step.name.startswith("connect") else step.name
    fix = STEP_FIXES.get(key, STEP_FIXES["secret"] if step.protocol == "secret" else "")
    return fail(check, step.detail or step.name, _(fix) if fix else _("see the server's words "
                                                                        "above"))


def _connected(steps: list[ProbeStep], protocol: str) -> bool:
    return any(s.protocol == protocol and s.name.startswith("connect") and s.ok for s in steps)


def _logged_in(steps: list[ProbeStep]) -> bool:
    return any(s.protocol == "imap" and s.name == "LOGIN" and s.ok for s in steps)


async def _tls(account: Account, steps: list[ProbeStep]) -> list[Finding]:
    if not (_connected(steps, "smtp") and _connected(steps, "imap")):
        return []
    return await tls_findings(account)


def _dns_findings(row: Mailbox, account: Account, secret: str | None,
                  steps: list[ProbeStep], spec: ResolverSpec) -> list[Finding]:
    resolver = make_resolver(spec)
    domain = domain_of(row.email)
    found = [mx_finding(resolver, domain), spf_finding(resolver, domain, row.smtp_host),
             dmarc_finding(resolver, domain)]
    if secret is not None and _logged_in(steps):
        found.append(dkim_finding(account, secret, row.sent_folder, resolver))
    else:
        found.append(fail("DKIM", _("not checked: could not log in over IMAP"),
                          _("fix the IMAP login above, then run doctor again")))
    return found


async def diagnose_all(db: Engine, spec: ResolverSpec, email: str | None = None
                       ) -> list[Diagnosis]:
    """Diagnose one mailbox (``email``) or every configured one, one after the other."""
    rows = [r for r in list_mailboxes(db) if email is None or r.email == email.strip().lower()]
    if not rows:
        raise NotFoundError(_("no mailbox {email}").format(email=repr(email)) if email
                            else _("no mailbox is configured"),
                            hint=_("add one with `outreach mailbox add`"))
    return [await diagnose(row, spec) for row in rows]
