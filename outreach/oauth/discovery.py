"""An issuer's endpoints from its metadata: OpenID Connect discovery, else RFC 8414.

Every endpoint must be https, or plain http to a loopback host (a test server), as the
issuer itself: a sign-in must never cross the network in clear text.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from outreach.errors import ConfigError, ConnectionFailed
from outreach.i18n import _

TIMEOUT_S = 15.0
WELL_KNOWN = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str | None
    token: str
    device: str | None  # RFC 8628 device_authorization_endpoint, when offered
    revocation: str | None


@functools.lru_cache(maxsize=16)
def discover(issuer: str) -> Endpoints:
    """The endpoints ``issuer`` announces (cached per process)."""
    require_safe_url(issuer, "issuer")
    doc = _metadata(issuer)
    token = doc.get("token_endpoint")
    if not isinstance(token, str):
        raise ConfigError(_("the metadata of {issuer} names no token_endpoint").format(
                              issuer=issuer),
                          hint=_("is this the issuer URL of an OAuth 2.0 server?"))
    found = Endpoints(
        issuer=issuer,
        authorization=_optional(doc, "authorization_endpoint"),
        token=token,
        device=_optional(doc, "device_authorization_endpoint"),
        revocation=_optional(doc, "revocation_endpoint"),
    )
    for url in (found.authorization, found.token, found.device, found.revocation):
        if url:
            require_safe_url(url, "endpoint")
    return found


def require_safe_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ConfigError(_("the OAuth {what} {url} is not https").format(what=what, url=url),
                      hint=_("plain http is only allowed for a server on loopback"))


def _metadata(issuer: str) -> dict[str, object]:
    base = issuer.rstrip("/")
    tried: list[str] = []
    for suffix in WELL_KNOWN:
        url = base + suffix
        try:
            response = requests.get(url, timeout=TIMEOUT_S, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise ConnectionFailed(_("could not reach {url}: {error}").format(
                                       url=url, error=type(exc).__name__),
                                   hint=_("check the --oauth-issuer URL and the network")
                                   ) from None
        if response.ok:
            try:
                doc = response.json()
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                return doc
        tried.append(f"{url} ({response.status_code})")
    raise ConfigError(_("no OAuth metadata at {urls}").format(urls=", ".join(tried)),
                      hint=_("--oauth-issuer must be the issuer URL of an OIDC / RFC 8414 "
                             "server"))


def _optional(doc: dict[str, object], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) and value else None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
