"""The OAuth side of ``outreach mailbox``: ``add --provider/--oauth-…`` and ``login``.

``add`` calls :func:`provider_settings` for the hosts and sign-in settings a provider
implies; ``login`` signs a mailbox in (device code or browser) and stores the grant in
the keyring. A mailbox paused because its sign-in was refused is resumed by a new sign-in.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from outreach import accounts
from outreach.errors import ConfigError, OutreachError
from outreach.i18n import _
from outreach.mailbox import providers
from outreach.mailbox.account import Endpoint, make_endpoint
from outreach.oauth import grants
from outreach.store import open_store

if TYPE_CHECKING:
    from outreach.oauth.signin import SignedIn


@dataclass(frozen=True)
class ProviderSettings:
    """What ``--provider`` / ``--oauth-…`` decide for ``mailbox add``."""

    smtp: Endpoint
    imap: Endpoint
    sent_copy: str
    oauth: accounts.OAuthSettings | None


def provider_settings(
    *,
    provider: str | None,
    client_id: str | None,
    tenant: str | None,
    issuer: str | None,
    smtp: tuple[str | None, int | None, str],
    imap: tuple[str | None, int | None, str],
    sent_copy: str,
) -> ProviderSettings:
    """The servers (a provider's unless ``--smtp-host``/``--imap-host`` say otherwise), the
    Sent-copy mode and the OAuth settings; ConfigError naming the option that is missing."""
    preset = providers.provider(provider) if provider else None
    return ProviderSettings(
        smtp=_endpoint("smtp", smtp, preset.smtp if preset else None),
        imap=_endpoint("imap", imap, preset.imap if preset else None),
        sent_copy=preset.sent_copy if preset and sent_copy == "auto" else sent_copy,
        oauth=oauth_change(provider, client_id, tenant, issuer),
    )


def oauth_change(provider: str | None, client_id: str | None, tenant: str | None,
                 issuer: str | None) -> accounts.OAuthSettings | None:
    """The OAuth sign-in settings the ``--provider``/``--oauth-…`` options ask for (None:
    no OAuth); also ``mailbox edit``'s switch to OAuth, which leaves the servers alone."""
    preset = providers.provider(provider) if provider else None
    if (preset or issuer) and not client_id:
        raise ConfigError(
            _("--oauth-client-id is needed to sign in with OAuth"),
            hint=_("your organisation's own app registration (docs/oauth2.md says how to "
                   "create one); outreach ships no client id"),
        )
    if tenant and (preset is None or preset.name != "microsoft365"):
        raise ConfigError(_("--oauth-tenant is only for --provider microsoft365"))
    if issuer and preset is not None:
        raise ConfigError(_("give either --provider or --oauth-issuer, not both"))
    if client_id and preset is None and not issuer:
        raise ConfigError(_("--oauth-client-id needs --provider microsoft365|google or "
                            "--oauth-issuer URL"))
    if not client_id:
        return None
    kind = preset.name if preset else "oidc"
    return accounts.OAuthSettings(kind, client_id.strip(), tenant,
                                  providers.check_issuer(issuer) if issuer else None)


def _endpoint(protocol: str, given: tuple[str | None, int | None, str],
              preset: Endpoint | None) -> Endpoint:
    host, port, security = given
    if host:
        return make_endpoint(protocol, host, port, security)
    if preset is None:
        raise ConfigError(_("--{protocol}-host is required (or --provider microsoft365|google)")
                          .format(protocol=protocol))
    return preset


def offer_login(email: str, as_json: bool) -> None:
    """After ``add``: sign in now when someone is at the terminal, else say how."""
    if not as_json and sys.stdin.isatty() and click.confirm(_("Sign in now?"), default=True):
        _login(email, no_browser=False, as_json=False, flow="auto")
    elif not as_json:
        click.echo(_("sign in with `outreach mailbox login {email}`").format(email=email))


@click.command(
    "login",
    help=_(
        "Sign a mailbox in with OAuth (Microsoft 365, Google, any OIDC issuer).\n\n"
        "The refresh token goes to the OS keyring; nothing else is stored."
    ),
)
@click.argument("email")
@click.option("--no-browser", is_flag=True, help=_("Print the sign-in URL instead of opening it."))
@click.option("--flow", type=click.Choice(("auto", "device", "browser")), default="auto",
              show_default=True, help=_("auto: device code when the provider offers it "
                                        "(Microsoft), else the browser with PKCE (Google)."))
@click.option("--client-secret-stdin", is_flag=True,
              help=_("Read the client secret of a Google desktop client into the keyring."))
@click.option("--json", "as_json", is_flag=True,
              help=_("One JSON line with the code or URL as soon as known, one with the result."))
def login(email: str, no_browser: bool, flow: str, client_secret_stdin: bool,
          as_json: bool) -> None:
    if client_secret_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise ConfigError(_("--client-secret-stdin read nothing from standard input"))
        grants.save_client_secret(accounts.mailbox_address(email), secret)
    _login(email, no_browser=no_browser, as_json=as_json, flow=flow)


def _login(email: str, *, no_browser: bool, as_json: bool, flow: str) -> None:
    try:
        signed, resumed = accounts.sign_in_mailbox(
            open_store(), email, lambda shown: _show(shown, as_json), flow=flow,
            open_browser=not no_browser,
        )
    except OutreachError as exc:
        if as_json:  # the promised result line, then the usual error and exit status
            click.echo(json.dumps({"signed_in": None, "error": exc.message}))
        raise
    _done(signed, resumed, as_json)


def _show(shown: dict[str, object], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(shown))
    elif "user_code" in shown:
        click.echo(_("Open {url} and enter the code {code} (valid for {minutes} min). "
                     "Waiting …").format(url=shown["verification_uri"], code=shown["user_code"],
                                         minutes=int(str(shown["expires_in"])) // 60))
    else:
        click.echo(_("Sign in at:\n  {url}\nWaiting …").format(url=shown["authorization_url"]))


def _done(signed: SignedIn, resumed: bool, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"signed_in": signed.address, "flow": signed.flow,
                               "resumed": resumed}))
        return
    click.echo(_("signed in: {email} (the refresh token is in the OS keyring)")
               .format(email=signed.address))
    if resumed:
        click.echo(_("mailbox {email} resumed").format(email=signed.address))
