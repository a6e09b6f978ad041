"""Mail providers that sign in with OAuth 2.0: their servers and their authorization servers.

``outreach mailbox add ADDRESS --provider microsoft365|google`` fills the hosts, ports, TLS
modes and Sent-copy mode from here; ``outreach mailbox login`` signs in with the client
built by :func:`oauth_client`. Any other provider is reached with ``--oauth-issuer URL``
(endpoints from OIDC / RFC 8414 discovery). We ship no client id: the organisation
registers its own (docs/oauth2.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from outreach.errors import ConfigError
from outreach.i18n import N_, _
from outreach.mailbox.account import Endpoint, is_loopback
from outreach.mailbox.presets import PRESETS
from outreach.oauth import OAuthClient


@dataclass(frozen=True)
class Provider:
    """One provider's mail servers, Sent-copy mode and how its users sign in."""

    name: str
    title: str
    smtp: Endpoint
    imap: Endpoint
    sent_copy: str  # the server files what we send over SMTP into Sent
    flow: str  # device | loopback
    scopes: tuple[str, ...]


MICROSOFT_365 = Provider(
    name="microsoft365",
    title=N_("Microsoft 365"),
    smtp=PRESETS["microsoft365"].smtp,  # one table of hosts: the autoconfig presets'
    imap=PRESETS["microsoft365"].imap,
    sent_copy="server",
    flow="device",
    # Exchange Online's own scopes (not Graph's); msal adds offline_access itself.
    scopes=(
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
    ),
)
GOOGLE = Provider(
    name="google",
    title=N_("Google Workspace / Gmail"),
    smtp=PRESETS["google"].smtp,
    imap=PRESETS["google"].imap,
    sent_copy="server",
    flow="loopback",  # Google's device flow does not allow the mail scope
    scopes=("https://mail.google.com/",),
)
PROVIDERS: dict[str, Provider] = {p.name: p for p in (MICROSOFT_365, GOOGLE)}

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com/"
MICROSOFT_DEFAULT_TENANT = "organizations"
GOOGLE_ISSUER = "https://accounts.google.com"
# A custom issuer: the refresh token (offline_access) and the address in the token.
CUSTOM_SCOPES = ("openid", "email", "offline_access")


def provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            _("{option} must be one of {choices}, not {value}").format(
                option="--provider", choices=", ".join(PROVIDERS), value=repr(name)),
            hint=_("for another provider give --oauth-issuer URL (and the hosts)"),
        ) from None


def check_issuer(url: str) -> str:
    """An issuer URL: https, or plain http only to a loopback host (as for SMTP/IMAP)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(_("--oauth-issuer {url} is not an http(s) URL").format(url=repr(url)),
                          hint=_("give the issuer, e.g. https://login.example.com/realms/mail"))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            _("--oauth-issuer {url} would send your sign-in in clear text").format(url=url),
            hint=_("use https; plain http is only allowed for a server on loopback"),
        )
    return url.strip().rstrip("/")


def oauth_client(
    kind: str, client_id: str, tenant: str | None, issuer: str | None, address: str
) -> OAuthClient:
    """How a mailbox with ``oauth_provider`` ``kind`` signs in."""
    if kind == MICROSOFT_365.name:
        authority = MICROSOFT_AUTHORITY + (tenant or MICROSOFT_DEFAULT_TENANT)
        return OAuthClient(address, "msal", client_id, authority, MICROSOFT_365.scopes, "device")
    if kind == GOOGLE.name:
        return OAuthClient(address, "oidc", client_id, GOOGLE_ISSUER, GOOGLE.scopes, "loopback")
    if kind == "oidc" and issuer:
        return OAuthClient(address, "oidc", client_id, issuer, CUSTOM_SCOPES, "auto")
    raise ConfigError(_("the mailbox {address} has no usable OAuth settings ({kind})").format(
                          address=address, kind=repr(kind)),
                      hint=_("set them with `{command}` and add it again").format(
                          command=f"outreach mailbox remove {address}"))
