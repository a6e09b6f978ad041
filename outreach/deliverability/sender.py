"""Checks on the sender itself (pure): a no-reply address, a free-mail domain, a daily cap
above what the provider allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.deliverability.findings import Finding, ok, warn
from outreach.i18n import _, number
from outreach.prospects.freemail import is_freemail

# A "noreply" sender tells people not to answer: the opposite of cold outreach, and spam
# filters and people distrust it (Mailjet, "Noreply-E-Mail: Darum sollten Sie keine
# Noreply-Adressen verwenden", see the shared seed 002).
NOREPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon)([-_.+].*)?$",
                     re.IGNORECASE)

# Documented sending limits (recipients or messages per 24 hours):
GMAIL_CONSUMER_DAILY = 500  # Google: "Gmail sending limits" (support.google.com/mail/answer/22839)
GOOGLE_WORKSPACE_DAILY = 2_000  # Google Workspace Admin Help "Gmail sending limits in Workspace"
MICROSOFT_365_DAILY = 10_000  # Microsoft: "Exchange Online limits", 10,000 recipients/day

GOOGLE_SMTP_HOSTS = ("smtp.gmail.com", "smtp.googlemail.com", "smtp-relay.gmail.com")
MICROSOFT_SMTP_HOSTS = ("smtp.office365.com", "outlook.office365.com", "smtp-mail.outlook.com")
GOOGLE_CONSUMER_DOMAINS = ("gmail.com", "googlemail.com")


@dataclass(frozen=True)
class ProviderLimit:
    provider: str
    daily: int


def provider_limit(smtp_host: str, domain: str) -> ProviderLimit | None:
    """The documented daily limit of the mailbox's provider, when we know the provider."""
    host = smtp_host.lower().rstrip(".")
    if host in GOOGLE_SMTP_HOSTS:
        if domain in GOOGLE_CONSUMER_DOMAINS:
            return ProviderLimit("Gmail", GMAIL_CONSUMER_DAILY)
        return ProviderLimit("Google Workspace", GOOGLE_WORKSPACE_DAILY)
    if host in MICROSOFT_SMTP_HOSTS or host.endswith(".protection.outlook.com"):
        return ProviderLimit("Microsoft 365", MICROSOFT_365_DAILY)
    return None


def noreply_finding(address: str) -> Finding:
    local = address.partition("@")[0]
    if NOREPLY.match(local):
        return warn("From address",
                    _("{address} looks like a no-reply address").format(address=address),
                    _("send from a person's address that can receive answers: cold outreach "
                      "lives on replies, and filters distrust no-reply senders"))
    return ok("From address", _("{address} can receive replies").format(address=address))


def freemail_finding(domain: str) -> Finding:
    if is_freemail(domain):
        return warn("Sending domain",
                    _("{domain} is a free-mail provider").format(domain=domain),
                    _("send volume from your own company domain: free-mail accounts have low "
                      "limits, and you cannot publish SPF/DKIM/DMARC for them"))
    return ok("Sending domain", _("{domain} is your own domain").format(domain=domain))


def daily_cap_finding(cap: int, smtp_host: str, domain: str) -> Finding:
    limit = provider_limit(smtp_host, domain)
    if limit is None:
        return ok("Daily cap", _("{cap} a day (provider limit unknown)").format(cap=number(cap)))
    if cap > limit.daily:
        return warn("Daily cap", _("{cap} a day is above the documented limit of {provider}: "
                                   "{limit}").format(cap=number(cap), provider=limit.provider,
                                                     limit=number(limit.daily)),
                    _("lower it: `{command}` (the provider suspends sending beyond it)").format(
                        command=f"outreach mailbox edit ADDRESS --daily-cap "
                                f"{min(limit.daily, 100)}"))
    return ok("Daily cap", _("{cap} a day, within the limit of {provider}: {limit}").format(
        cap=number(cap), provider=limit.provider, limit=number(limit.daily)))
