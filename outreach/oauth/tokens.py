"""Access tokens: held in this process's memory only, refreshed before they expire.

``access_token(client)`` is what the SMTP and IMAP logins ask for. A refused refresh
(``invalid_grant``: revoked, expired, password changed) raises
:class:`~outreach.errors.SignInRequired`; the refused grant is remembered (by a digest,
in memory) so it is not sent to the provider again until ``outreach mailbox login`` stores
a new one: no retry storm.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import msal
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from outreach.errors import ConnectionFailed, SignInRequired
from outreach.i18n import _
from outreach.oauth import OAuthClient
from outreach.oauth.discovery import TIMEOUT_S, discover
from outreach.oauth.grants import Grant, client_secret, expires_at, load_grant, load_raw, save_grant

log = logging.getLogger(__name__)

MAX_MARGIN_S = 300.0  # refresh at most five minutes before expiry …
MARGIN_SHARE = 0.25  # … or when a quarter of a short lifetime is left
# Microsoft Entra ID sign-in hosts (worldwide, US government, China); any other authority
# given to msal is taken as a generic OpenID provider (msal's oidc_authority).
ENTRA_HOST_SUFFIXES = (".microsoftonline.com", ".microsoftonline.us", ".chinacloudapi.cn",
                       ".partner.microsoftonline.cn")
REFUSALS = {"invalid_grant", "unauthorized_client", "invalid_client", "interaction_required"}


@dataclass
class _Live:
    token: str
    expires_at: float
    margin: float

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - self.margin


_live: dict[str, _Live] = {}
_refused: dict[str, str] = {}  # address -> digest of the grant the provider refused
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def access_token(client: OAuthClient) -> str:
    """A valid access token for ``client.address`` (refreshed now if it would expire soon)."""
    with _lock(client.address):
        live = _live.get(client.address)
        if live is not None and live.fresh(time.time()):
            return live.token
        raw = load_raw(client.address)
        digest = _digest(raw)
        if raw is not None and _refused.get(client.address) == digest:
            raise SignInRequired(client.address, "the provider refused this sign-in before")
        try:
            token, lifetime = _refresh(client, load_grant(client.address))
        except SignInRequired as exc:
            if raw is not None:
                _refused[client.address] = digest
            log.warning("OAuth refresh for %s refused (%s): %s",
                        client.address, exc.cause, exc.message)
            raise
        remember(client.address, token, lifetime)
        return token


def remember(address: str, token: str, lifetime: float) -> None:
    """Hold a new access token (after a sign-in or a refresh)."""
    margin = min(MAX_MARGIN_S, lifetime * MARGIN_SHARE)
    _live[address] = _Live(token, time.time() + lifetime, margin)
    _refused.pop(address, None)


def discard(address: str) -> None:
    """Drop the held access token (the server refused it: revoked early); the next
    :func:`access_token` refreshes."""
    _live.pop(address, None)
    _msal_apps.pop(address, None)


def forget(address: str) -> None:
    _live.pop(address, None)
    _refused.pop(address, None)


def _refresh(client: OAuthClient, grant: Grant) -> tuple[str, float]:
    if client.library == "msal":
        return _refresh_msal(client, grant)
    return _refresh_oidc(client, grant)


def _refresh_oidc(client: OAuthClient, grant: Grant) -> tuple[str, float]:
    if not grant.refresh_token:
        raise SignInRequired(client.address, "no refresh token was stored")
    endpoints = discover(client.authority)
    session = oidc_session(client)
    try:
        token = session.refresh_token(endpoints.token, refresh_token=grant.refresh_token)
    except AuthlibBaseError as exc:
        if exc.error in REFUSALS:
            raise SignInRequired(client.address, f"{exc.error}: {exc.description or ''}"
                                 .strip(": ")) from None
        raise ConnectionFailed(_("the token refresh for {email} failed: {error}").format(
            email=client.address, error=exc.error), hint=_("it is tried again later")) from None
    except requests.RequestException as exc:
        raise ConnectionFailed(_("could not reach {url}: {error}").format(
            url=endpoints.token, error=type(exc).__name__),
            hint=_("it is tried again later")) from None
    finally:
        session.close()
    rotated = token.get("refresh_token")
    if isinstance(rotated, str) and rotated and rotated != grant.refresh_token:
        save_grant(client.address, Grant(
            refresh_token=rotated,
            refresh_expires_at=expires_at(token.get("refresh_token_expires_in"))
            or grant.refresh_expires_at,
            signed_in_at=grant.signed_in_at,
        ))
    return token_of(client.address, token)


def oidc_session(client: OAuthClient, **kwargs: object) -> OAuth2Session:
    """Authlib's client for ``client`` (a public client unless a client secret is stored)."""
    secret = client_secret(client.address)
    session = OAuth2Session(
        client.client_id,
        secret,
        scope=" ".join(client.scopes),
        token_endpoint_auth_method="client_secret_post" if secret else "none",
        timeout=TIMEOUT_S,
        **kwargs,
    )
    return session


def token_of(address: str, token: dict[str, object]) -> tuple[str, float]:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise ConnectionFailed(_("the provider answered the sign-in of {email} without an "
                                 "access token").format(email=address))
    lifetime = token.get("expires_in")
    return access, float(lifetime) if isinstance(lifetime, int | float | str) else 3600.0


# -- Microsoft (msal) ---------------------------------------------------------------------

_msal_apps: dict[str, tuple[str, msal.PublicClientApplication, msal.SerializableTokenCache]] = {}


def msal_app(client: OAuthClient, cache_text: str | None = None
             ) -> tuple[msal.PublicClientApplication, msal.SerializableTokenCache]:
    """msal's app for ``client`` over a cache deserialized from the keyring entry."""
    cache = msal.SerializableTokenCache()
    if cache_text:
        cache.deserialize(cache_text)
    where = ({"authority": client.authority} if _is_entra(client.authority)
             else {"oidc_authority": client.authority})  # msal's generic OIDC (a test server)
    app = msal.PublicClientApplication(client.client_id, token_cache=cache, timeout=TIMEOUT_S,
                                       **where)
    return app, cache


def _is_entra(authority: str) -> bool:
    host = (urlsplit(authority).hostname or "").lower()
    return host.startswith("login.") and host.endswith(ENTRA_HOST_SUFFIXES)


def _refresh_msal(client: OAuthClient, grant: Grant) -> tuple[str, float]:
    try:
        return _refresh_msal_cache(client, grant)
    except (requests.RequestException, ValueError) as exc:  # msal lets these through
        raise ConnectionFailed(_("the token refresh for {email} failed: {error}").format(
            email=client.address, error=type(exc).__name__),
            hint=_("it is tried again later")) from None


def _refresh_msal_cache(client: OAuthClient, grant: Grant) -> tuple[str, float]:
    if not grant.msal_cache:
        raise SignInRequired(client.address, "no Microsoft token cache was stored")
    held = _msal_apps.get(client.address)
    if held is None or held[0] != grant.msal_cache:
        app, cache = msal_app(client, grant.msal_cache)
    else:
        app, cache = held[1], held[2]
    accounts = app.get_accounts(username=client.address) or app.get_accounts()
    if not accounts:
        raise SignInRequired(client.address, "the Microsoft token cache holds no account")
    result = app.acquire_token_silent_with_error(list(client.scopes), account=accounts[0])
    if not result or "access_token" not in result:
        error = str((result or {}).get("error", "no token"))
        if result is None or error in REFUSALS:
            raise SignInRequired(client.address, error)
        raise ConnectionFailed(_("the token refresh for {email} failed: {error}").format(
            email=client.address, error=error), hint=_("it is tried again later"))
    text = cache.serialize() if cache.has_state_changed else grant.msal_cache
    if cache.has_state_changed:
        save_grant(client.address, Grant(msal_cache=text, signed_in_at=grant.signed_in_at))
        cache.has_state_changed = False
    _msal_apps[client.address] = (text, app, cache)
    return token_of(client.address, result)


def _lock(address: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(address, threading.Lock())


def _digest(raw: str | None) -> str:
    return hashlib.sha256((raw or "").encode()).hexdigest()
