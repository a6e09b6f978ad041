"""DKIM as a doctor finding: verify the newest message in the mailbox's Sent folder."""

from __future__ import annotations

import imaplib

import dns.resolver
from imapclient.exceptions import IMAPClientError

from outreach.deliverability.dkim_check import (
    DkimSignature,
    SentMessage,
    newest_sent_message,
    verify_signatures,
)
from outreach.deliverability.findings import Finding, fail, ok, warn
from outreach.i18n import _
from outreach.mailbox.account import Account
from outreach.mailbox.connect import open_imap
from outreach.mailbox.probe import describe_error

CHECK = "DKIM"


def dkim_finding(account: Account, secret: str, sent_folder: str | None,
                 resolver: dns.resolver.Resolver) -> Finding:
    """Fetch the newest sent message over IMAP and verify its DKIM signature(s)."""
    try:
        sent = _fetch(account, secret, sent_folder)
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        return fail(CHECK, _("could not read the Sent folder: {error}").format(
                        error=describe_error(exc)),
                    _("fix the IMAP problem above, then run doctor again"))
    if sent is None:
        return warn(CHECK, _("no sent message to check in the Sent folder"),
                    _("send one message from this mailbox (e.g. to yourself) and run doctor "
                      "again"))
    return signature_finding(sent, verify_signatures(sent.raw, resolver), account.email)


def _fetch(account: Account, secret: str, folder: str | None) -> SentMessage | None:
    client = open_imap(account, secret)
    try:
        return newest_sent_message(client, account.email, folder)
    finally:
        client.logout()


def signature_finding(sent: SentMessage, signatures: list[DkimSignature],
                      address: str) -> Finding:
    """✓ when a signature of the From domain verifies; ⚠ when only another domain's does."""
    domain = address.rpartition("@")[2].lower()
    about = _("newest message in {folder} ({subject})").format(
        folder=sent.folder, subject=repr(sent.subject[:60]))
    if not signatures:
        return fail(CHECK, _("{message} has no DKIM-Signature").format(message=about),
                    _("turn on DKIM signing at your mail provider and publish its selector's "
                      "TXT record (if the provider signs only outbound copies, check a message "
                      "you received from yourself)"))
    good = [s for s in signatures if s.ok]
    aligned = [s for s in good if _aligned(s.domain, domain)]
    if aligned:
        return ok(CHECK, _("{signature} verified on {message}").format(
            signature=f"d={aligned[0].domain} s={aligned[0].selector}", message=about))
    if good:
        return warn(CHECK, _("only {signer} verifies, not {domain}").format(
                        signer=f"d={good[0].domain}", domain=domain),
                    _("sign with your own domain {domain} so DMARC sees DKIM aligned").format(
                        domain=domain))
    first = signatures[0]
    return fail(CHECK, _("{signature} does not verify: {error}").format(
                    signature=f"d={first.domain} s={first.selector}", error=first.error),
                _("publish the public key at {name} exactly as your provider gives it (or "
                  "re-generate the key pair)").format(
                    name=f"{first.selector}._domainkey.{first.domain}"))


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed DMARC alignment: same domain, or one is a subdomain of the other."""
    signer = signer.lower()
    return signer == domain or domain.endswith("." + signer) or signer.endswith("." + domain)
