"""Built-in server settings of the providers our reps use most, by mail domain and by MX host.

Pure data and lookups (no IO). Every host and port comes from the provider's public help
page named beside it; Thunderbird's ISPDB (github.com/thunderbird/autoconfig, ``ispdb/``)
lists the same values. Where a provider documents both SMTP on 465 (TLS) and on 587
(STARTTLS), the one the provider shows first is used; flags override either.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.mailbox.account import Endpoint

MICROSOFT365 = "microsoft365"
GOOGLE = "google"


@dataclass(frozen=True)
class Preset:
    """One provider's servers. ``provider`` names the OAuth provider (``--provider``) for
    Microsoft 365 and Google; ``sent_copy`` is set where the server files Sent copies itself."""

    name: str
    imap: Endpoint
    smtp: Endpoint
    doc: str
    provider: str | None = None
    sent_copy: str | None = None


def _tls(host: str, port: int) -> Endpoint:
    return Endpoint(host, port, "tls")


def _starttls(host: str, port: int) -> Endpoint:
    return Endpoint(host, port, "starttls")


PRESETS: dict[str, Preset] = {
    # https://www.ionos.de/hilfe/e-mail/allgemeine-themen/serverinformationen-fuer-imap-pop3-und-smtp/
    "ionos": Preset(
        "IONOS",
        _tls("imap.ionos.de", 993),
        _starttls("smtp.ionos.de", 587),
        "https://www.ionos.de/hilfe/e-mail/allgemeine-themen/"
        "serverinformationen-fuer-imap-pop3-und-smtp/",
    ),
    # https://www.strato.de/faq/mail/so-lauten-die-strato-e-mail-server/
    "strato": Preset(
        "STRATO",
        _tls("imap.strato.de", 993),
        _tls("smtp.strato.de", 465),
        "https://www.strato.de/faq/mail/so-lauten-die-strato-e-mail-server/",
    ),
    # https://www.telekom.de/hilfe/festnetz-internet-tv/e-mail/e-mail-server-e-mail-protokolle-und-e-mail-einrichtung/posteingangsserver-und-postausgangsserver
    "t-online": Preset(
        "T-Online",
        _tls("secureimap.t-online.de", 993),
        _tls("securesmtp.t-online.de", 465),
        "https://www.telekom.de/hilfe/festnetz-internet-tv/e-mail/"
        "e-mail-server-e-mail-protokolle-und-e-mail-einrichtung/"
        "posteingangsserver-und-postausgangsserver",
    ),
    # https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html
    "gmx": Preset(
        "GMX",
        _tls("imap.gmx.net", 993),
        _starttls("mail.gmx.net", 587),
        "https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html",
    ),
    # https://hilfe.web.de/pop-imap/imap/imap-serverdaten.html
    "web.de": Preset(
        "WEB.DE",
        _tls("imap.web.de", 993),
        _starttls("smtp.web.de", 587),
        "https://hilfe.web.de/pop-imap/imap/imap-serverdaten.html",
    ),
    # https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/pop3-and-imap4
    # https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission
    "microsoft365": Preset(
        "Microsoft 365",
        _tls("outlook.office365.com", 993),
        _starttls("smtp.office365.com", 587),
        "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/"
        "pop3-and-imap4/pop3-and-imap4",
        provider=MICROSOFT365,
        sent_copy="server",
    ),
    # Outlook.com / Hotmail (consumer accounts): same IMAP host, its own SMTP host.
    # https://support.microsoft.com/en-us/office/pop-imap-and-smtp-settings-for-outlook-com-d088b986-291d-42b8-9564-9c414e2aa040
    "outlook.com": Preset(
        "Outlook.com",
        _tls("outlook.office365.com", 993),
        _starttls("smtp-mail.outlook.com", 587),
        "https://support.microsoft.com/en-us/office/"
        "pop-imap-and-smtp-settings-for-outlook-com-d088b986-291d-42b8-9564-9c414e2aa040",
        provider=MICROSOFT365,
        sent_copy="server",
    ),
    # https://support.google.com/mail/answer/7126229 (Gmail and Google Workspace)
    "google": Preset(
        "Google",
        _tls("imap.gmail.com", 993),
        _starttls("smtp.gmail.com", 587),
        "https://support.google.com/mail/answer/7126229",
        provider=GOOGLE,
        sent_copy="server",
    ),
}

DOMAINS: dict[str, str] = {
    "ionos.de": "ionos",
    "strato.de": "strato",
    "t-online.de": "t-online",
    "magenta.de": "t-online",
    **dict.fromkeys(("gmx.de", "gmx.net", "gmx.at", "gmx.ch"), "gmx"),
    "web.de": "web.de",
    **dict.fromkeys(
        ("outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com", "live.de",
         "msn.com"),
        "outlook.com",
    ),
    "onmicrosoft.com": "microsoft365",
    "gmail.com": "google",
    "googlemail.com": "google",
}
"""Mail domain (or a parent of it, e.g. ``contoso.onmicrosoft.com``) → preset."""

MX_SUFFIXES: tuple[tuple[str, str], ...] = (
    # Exchange Online: <domain>.mail.protection.outlook.com, and the DNSSEC/DANE form
    # <domain>.<x>-v1.mx.microsoft (learn.microsoft.com/en-us/purview/how-smtp-dane-works).
    ("mail.protection.outlook.com", "microsoft365"),
    ("mx.microsoft", "microsoft365"),
    # Google Workspace: smtp.google.com, aspmx.l.google.com, alt*.aspmx.l.google.com,
    # aspmx2.googlemail.com (support.google.com/a/answer/174125).
    ("google.com", "google"),
    ("googlemail.com", "google"),
    # IONOS customer domains: mx00.ionos.de / mx01.ionos.de; older: mx00.kundenserver.de.
    ("ionos.de", "ionos"),
    ("kundenserver.de", "ionos"),
    # STRATO customer domains: smtpin.rzone.de.
    ("rzone.de", "strato"),
    # T-Online: mx00.t-online.de … mx03.t-online.de.
    ("t-online.de", "t-online"),
)
"""MX host suffix → preset: a domain whose mail goes to these hosts uses that provider."""


def _matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def preset_for_domain(domain: str) -> tuple[str, Preset] | None:
    """(matched domain, preset) for a mail domain or a subdomain of a known one."""
    domain = domain.lower().rstrip(".")
    match = next((known for known in DOMAINS if _matches(domain, known)), None)
    return (match, PRESETS[DOMAINS[match]]) if match else None


def preset_for_mx(mx_hosts: list[str]) -> tuple[str, Preset] | None:
    """(MX host, preset) for the most preferred MX host that belongs to a known provider."""
    for host in mx_hosts:
        host = host.lower().rstrip(".")
        key = next((key for suffix, key in MX_SUFFIXES if _matches(host, suffix)), None)
        if key is not None:
            return host, PRESETS[key]
    return None


def provider_of_hosts(*hosts: str) -> str | None:
    """``microsoft365``/``google`` when a server is one of theirs (autoconfig XML, SRV)."""
    for preset in PRESETS.values():
        if preset.provider and any(
            host.lower().rstrip(".") in (preset.imap.host, preset.smtp.host) for host in hosts
        ):
            return preset.provider
    return None
