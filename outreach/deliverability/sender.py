"""Checks on the sender itself (pure): a no-reply address, a free-mail domain, a daily cap
above what the provider allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.deliverability.findings import Finding, ok, warn
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
        return warn("From address", f"{address} looks like a no-reply address",
                    "send from a person's address that can receive answers: cold outreach "
                    "lives on replies, and filters distrust no-reply senders")
    return ok("From address", f"{address} can receive replies")


def freemail_finding(domain: str) -> Finding:
    if is_freemail(domain):
        return warn("Sending domain", f"{domain} is a free-mail provider",
                    "send volume from your own company domain: free-mail accounts have low "
                    "limits, and you cannot publish SPF/DKIM/DMARC for them")
    return ok("Sending domain", f"{domain} is your own domain")


def daily_cap_finding(cap: int, smtp_host: str, domain: str) -> Finding:
    limit = provider_limit(smtp_host, domain)
    if limit is None:
        return ok("Daily cap", f"{cap} a day (provider limit unknown)")
    if cap > limit.daily:
        return warn("Daily cap", f"{cap} a day is above {limit.provider}'s documented limit "
                    f"of {limit.daily:,}", f"lower it: `outreach mailbox edit ADDRESS --daily-cap "
                    f"{min(limit.daily, 100)}` (the provider suspends sending beyond it)")
    return ok("Daily cap", f"{cap} a day, within {limit.provider}'s limit of {limit.daily:,}")
