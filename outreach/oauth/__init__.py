"""Signing in to a mail provider with OAuth 2.0 and keeping its tokens fresh.

- :mod:`outreach.oauth.grants` keeps what a sign-in leaves behind (the refresh token, or
  msal's token cache) in the OS keyring only;
- :mod:`outreach.oauth.tokens` hands out access tokens, held in memory and refreshed before
  they expire; a refused refresh raises :class:`~outreach.errors.SignInRequired` (once: the
  same refused grant is not sent again);
- :mod:`outreach.oauth.signin` runs a sign-in: device code (RFC 8628) or the loopback
  redirect with PKCE (RFC 8252/7636);
- :mod:`outreach.oauth.discovery` reads an issuer's metadata (OIDC discovery, RFC 8414).

Microsoft 365 goes through msal (Microsoft's own library: authority, cache format and
token quirks are its job); any other issuer through Authlib's OAuth 2.0 client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Library = Literal["msal", "oidc"]
Flow = Literal["device", "loopback", "auto"]


@dataclass(frozen=True)
class OAuthClient:
    """How one mailbox signs in: never a token, only where and as whom to ask for one."""

    address: str
    library: Library
    client_id: str
    authority: str  # msal: https://login.microsoftonline.com/<tenant>; oidc: the issuer
    scopes: tuple[str, ...]
    flow: Flow

    def __repr__(self) -> str:
        return f"OAuthClient({self.address}, {self.library}, {self.authority})"
