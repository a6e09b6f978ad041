"""One sign-in, from a terminal: the device code (RFC 8628) or the loopback redirect with
PKCE (RFC 8252 / RFC 7636).

``on_prompt`` gets what the person must see as soon as it is known:
``{"verification_uri", "user_code", "expires_in"}`` for the device code, or
``{"authorization_url"}`` for the redirect. The grant goes to the keyring, the access token
to :mod:`outreach.oauth.tokens`; nothing secret is returned.
"""

from __future__ import annotations

import http.server
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token

from outreach.errors import ConfigError, ConnectionFailed, OutreachError
from outreach.i18n import _
from outreach.oauth import OAuthClient
from outreach.oauth.discovery import TIMEOUT_S, Endpoints, discover
from outreach.oauth.grants import Grant, expires_at, save_grant
from outreach.oauth.tokens import msal_app, oidc_session, remember, token_of

Prompt = Callable[[dict[str, object]], object]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_WAIT_S = 900.0


class SignInFailed(OutreachError):
    """The sign-in did not finish: refused, timed out, or the provider answered an error."""


@dataclass(frozen=True)
class SignedIn:
    address: str
    flow: str
    expires_in: float  # of the first access token


def sign_in(
    client: OAuthClient,
    on_prompt: Prompt,
    *,
    flow: str = "auto",
    open_browser: bool = True,
    wait_s: float = DEFAULT_WAIT_S,
    extra: dict[str, str] | None = None,
    stop: threading.Event | None = None,
) -> SignedIn:
    """Run the sign-in ``flow`` (auto: the client's own choice) and store its grant.
    Setting ``stop`` (another thread: the TUI's Cancel) ends the wait with SignInFailed."""
    stop = stop or threading.Event()
    if client.library == "msal":
        if flow == "browser":
            raise ConfigError(_("Microsoft 365 signs in with a device code here"),
                              hint=_("leave out --flow, or give --flow device"))
        try:
            return _msal_device(client, on_prompt, stop)
        except (requests.RequestException, ValueError) as exc:  # msal lets these through
            raise ConnectionFailed(_("could not reach {url}: {error}").format(
                                       url=client.authority, error=type(exc).__name__),
                                   hint=_("check the network and --oauth-tenant")) from None
    endpoints = discover(client.authority)
    chosen = _oidc_flow(client, endpoints, flow)
    if chosen == "device":
        return _oidc_device(client, endpoints, on_prompt, wait_s, stop)
    return _oidc_loopback(client, endpoints, on_prompt, open_browser, wait_s, extra or {}, stop)


def _oidc_flow(client: OAuthClient, endpoints: Endpoints, asked: str) -> str:
    if asked == "device" or (asked == "auto" and client.flow in ("device", "auto")
                             and endpoints.device):
        if not endpoints.device:
            raise ConfigError(_("{issuer} offers no device code sign-in").format(
                                  issuer=endpoints.issuer),
                              hint=_("leave out --flow: the browser sign-in is used"))
        return "device"
    if not endpoints.authorization:
        raise ConfigError(_("{issuer} offers neither a device code nor an authorization "
                            "endpoint").format(issuer=endpoints.issuer))
    return "browser"


# -- device code --------------------------------------------------------------------------


def _msal_device(client: OAuthClient, on_prompt: Prompt, stop: threading.Event) -> SignedIn:
    app, cache = msal_app(client)
    flow = app.initiate_device_flow(scopes=list(client.scopes))
    if "user_code" not in flow:
        raise SignInFailed(_("Microsoft refused to start the sign-in: {error}").format(
            error=f"{flow.get('error')}: {flow.get('error_description', '')}".strip()))
    on_prompt({"verification_uri": flow["verification_uri"], "user_code": flow["user_code"],
               "expires_in": flow["expires_in"]})
    threading.Thread(target=_expire_on, args=(stop, flow), daemon=True).start()
    result = app.acquire_token_by_device_flow(flow)
    stop.set()  # ends the helper thread
    if "access_token" not in result:
        raise SignInFailed(_("the sign-in was not completed: {error}").format(
            error=f"{result.get('error')}: {result.get('error_description', '')}".strip()))
    save_grant(client.address, Grant(msal_cache=cache.serialize(), signed_in_at=time.time()))
    token, lifetime = token_of(client.address, result)
    remember(client.address, token, lifetime)
    return SignedIn(client.address, "device", lifetime)


def _expire_on(stop: threading.Event, flow: dict[str, Any]) -> None:
    """msal polls until ``flow["expires_at"]``: moving it to 0 is its documented way out."""
    stop.wait()
    flow["expires_at"] = 0


def _oidc_device(client: OAuthClient, endpoints: Endpoints, on_prompt: Prompt,
                 wait_s: float, stop: threading.Event) -> SignedIn:
    assert endpoints.device
    start = _post_form(endpoints.device, {"client_id": client.client_id,
                                          "scope": " ".join(client.scopes)})
    try:
        device_code, user_code = str(start["device_code"]), str(start["user_code"])
        uri = str(start.get("verification_uri") or start["verification_url"])
    except KeyError as missing:
        raise SignInFailed(_("{url} answered without {field}").format(
            url=endpoints.device, field=missing)) from None
    lifetime = float(start.get("expires_in") or wait_s)
    on_prompt({"verification_uri": uri, "user_code": user_code, "expires_in": int(lifetime)})
    interval = float(start.get("interval") or 5)
    deadline = time.monotonic() + min(lifetime, wait_s)
    session = oidc_session(client)
    try:
        while True:
            try:
                token = session.fetch_token(endpoints.token, grant_type=DEVICE_GRANT,
                                            device_code=device_code)
                break
            except AuthlibBaseError as exc:
                if exc.error == "slow_down":
                    interval += 5
                elif exc.error != "authorization_pending":
                    raise SignInFailed(_("the sign-in was not completed: {error}").format(
                        error=exc.error)) from None
            if time.monotonic() + interval > deadline:
                raise SignInFailed(_("the code expired before the sign-in was approved"),
                                   hint=_("run `outreach mailbox login` again"))
            if stop.wait(interval):  # the provider's own polling interval (RFC 8628 §3.5)
                raise SignInFailed(_("the sign-in was cancelled"))
    finally:
        session.close()
    return _store(client, token, "device")


# -- loopback redirect + PKCE -------------------------------------------------------------


def _oidc_loopback(client: OAuthClient, endpoints: Endpoints, on_prompt: Prompt,
                   open_browser: bool, wait_s: float, extra: dict[str, str],
                   stop: threading.Event) -> SignedIn:
    assert endpoints.authorization
    with _Receiver() as receiver:
        redirect_uri = f"http://127.0.0.1:{receiver.port}/"
        session = oidc_session(client, redirect_uri=redirect_uri,
                               code_challenge_method="S256")
        verifier = generate_token(64)
        if "offline_access" in client.scopes:  # OIDC Core §11: only granted with consent
            extra = {"prompt": "consent", **extra}
        url, state = session.create_authorization_url(
            endpoints.authorization, code_verifier=verifier, login_hint=client.address, **extra
        )
        on_prompt({"authorization_url": url})
        if open_browser:
            webbrowser.open(url)
        callback = receiver.wait(wait_s, stop)
    query = parse_qs(urlsplit(callback).query)
    if "error" in query:
        raise SignInFailed(_("the sign-in was refused: {error}").format(
            error=query["error"][0]))
    if query.get("state") != [state]:
        raise SignInFailed(_("the sign-in answer did not match this sign-in (state)"))
    try:
        token = session.fetch_token(endpoints.token, code=query.get("code", [""])[0],
                                    code_verifier=verifier)
    except AuthlibBaseError as exc:
        raise SignInFailed(_("the provider refused the code: {error}").format(
            error=exc.error)) from None
    finally:
        session.close()
    return _store(client, token, "browser")


class _Receiver:
    """A one-shot HTTP server on 127.0.0.1 that takes the provider's redirect."""

    def __init__(self) -> None:
        self._got: list[str] = []
        self._arrived = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if "code=" in self.path or "error=" in self.path:
                    receiver._got.append(self.path)
                    receiver._arrived.set()
                body = (_("Signed in: you can close this window and go back to the "
                          "terminal.") + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:  # the query holds the code
                return None

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, wait_s: float, stop: threading.Event) -> str:
        deadline = time.monotonic() + wait_s
        while not self._arrived.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
            if stop.is_set():
                raise SignInFailed(_("the sign-in was cancelled"))
            if time.monotonic() >= deadline:
                raise SignInFailed(_("no sign-in arrived within {seconds} s").format(
                                       seconds=int(wait_s)),
                                   hint=_("run `outreach mailbox login` again"))
        return self._got[0]


# -- shared -------------------------------------------------------------------------------


def _store(client: OAuthClient, token: dict[str, Any], flow: str) -> SignedIn:
    refresh = token.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        raise SignInFailed(_("the provider gave no refresh token, so the sign-in would end "
                             "with the first access token"),
                           hint=_("the app registration must allow offline access "
                                  "(scope offline_access / access_type=offline)"))
    save_grant(client.address, Grant(
        refresh_token=refresh, refresh_expires_at=expires_at(token.get("refresh_token_expires_in")),
        signed_in_at=time.time(),
    ))
    access, lifetime = token_of(client.address, token)
    remember(client.address, access, lifetime)
    return SignedIn(client.address, flow, lifetime)


def _post_form(url: str, data: dict[str, str]) -> dict[str, Any]:
    try:
        response = requests.post(url, data=data, timeout=TIMEOUT_S,
                                 headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ConnectionFailed(_("could not reach {url}: {error}").format(
            url=url, error=type(exc).__name__)) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not response.ok or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        raise SignInFailed(_("{url} refused to start the sign-in: {error}").format(
            url=url, error=error or response.status_code))
    return body
