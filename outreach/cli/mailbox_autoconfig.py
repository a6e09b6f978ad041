"""The servers ``mailbox add`` saves: from the flags, or found by autoconfig and confirmed.

Without ``--imap-host``/``--smtp-host`` the settings are looked up
(:mod:`outreach.mailbox.autoconfig`), shown with where they came from, and saved only once
the rep says yes (``--yes`` says it up front). Every server flag given overrides the one
field it names.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click

from outreach.accounts import mailbox_address
from outreach.cli.output import console, print_json
from outreach.deliverability.dns import make_resolver, resolver_from_env
from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.mailbox.account import Endpoint, make_endpoint
from outreach.mailbox.autoconfig import discover, https_options_from_env
from outreach.mailbox.discovery import Discovery, FoundSettings, ServerFlags, with_flags
from outreach.mailbox.presets import GOOGLE, MICROSOFT365

DEFAULT_SECURITY = {"smtp": "starttls", "imap": "tls"}
PROVIDER_NAMES = {MICROSOFT365: "Microsoft 365", GOOGLE: "Google"}


@dataclass(frozen=True)
class ChosenServers:
    """What ``mailbox add`` saves, and the autoconfig result it came from (None: flags only)."""

    smtp: Endpoint
    imap: Endpoint
    username: str | None
    sent_copy: str
    discovery: Discovery | None = None

    def autoconfig_json(self) -> dict[str, Any] | None:
        if self.discovery is None or self.discovery.found is None:
            return None
        return {**self.discovery.found.as_json(),
                "tried": [str(a) for a in self.discovery.attempts]}


def choose_servers(
    email: str,
    smtp: ServerFlags,
    imap: ServerFlags,
    username: str | None,
    sent_copy: str | None,
    *,
    yes: bool,
    as_json: bool,
    password_stdin: bool,
) -> ChosenServers | None:
    """The flags' servers, or autoconfig's with the flags over them once confirmed.

    None when ``--json`` without ``--yes`` only showed what was found (nothing is saved).
    """
    if smtp.host and imap.host:
        return ChosenServers(_flag_endpoint("smtp", smtp), _flag_endpoint("imap", imap),
                             username, sent_copy or "auto")
    if password_stdin and not (yes or as_json or sys.stdin.isatty()):
        raise ConfigError(
            _("--password-stdin without --smtp-host/--imap-host: the settings found must be "
              "confirmed, but standard input carries the password"),
            hint=_("look first with `outreach mailbox add ADDRESS --json`, then add --yes"),
        )
    discovery = discover(mailbox_address(email), make_resolver(resolver_from_env()),
                         https_options_from_env())
    found = discovery.found
    if found is None:
        raise nothing_found(email, discovery)
    chosen = ChosenServers(
        smtp=make_endpoint("smtp", *with_flags(found.smtp, "smtp", smtp)),
        imap=make_endpoint("imap", *with_flags(found.imap, "imap", imap)),
        username=username or found.username,
        sent_copy=sent_copy or found.sent_copy or "auto",
        discovery=discovery,
    )
    return _confirmed(email, chosen, found, yes=yes, as_json=as_json)


def _flag_endpoint(protocol: str, flags: ServerFlags) -> Endpoint:
    assert flags.host is not None
    return make_endpoint(protocol, flags.host, flags.port,
                         flags.security or DEFAULT_SECURITY[protocol])


def _confirmed(email: str, chosen: ChosenServers, found: FoundSettings, *, yes: bool,
               as_json: bool) -> ChosenServers | None:
    if as_json and not yes:
        print_json({"email": email, "saved": False, "smtp": str(chosen.smtp),
                    "imap": str(chosen.imap), "username": chosen.username,
                    "sent_copy": chosen.sent_copy, "autoconfig": chosen.autoconfig_json()})
        return None
    if not as_json:
        show(email, chosen, found)
        if not yes:
            click.confirm(_("Save these settings?"), default=True, abort=True)
    return chosen


def show(email: str, chosen: ChosenServers, found: FoundSettings) -> None:
    """The settings about to be saved and where they came from, for a person."""
    console.print(_("Found settings for {email} — source: {source}").format(
        email=email, source=found.source), soft_wrap=True, markup=False)
    login, sent = _("login"), _("Sent")
    width = max(len(login), len(sent), 4) + 1
    console.print(f"  {'IMAP':<{width}} {chosen.imap}{_changed(chosen.imap, found.imap)}",
                  soft_wrap=True, markup=False)
    console.print(f"  {'SMTP':<{width}} {chosen.smtp}{_changed(chosen.smtp, found.smtp)}",
                  soft_wrap=True, markup=False)
    console.print(f"  {login:<{width}} {chosen.username or email}", markup=False)
    if chosen.sent_copy == "server":
        console.print(f"  {sent:<{width}} " + _("the server files a copy of each message itself"),
                      markup=False)
    if found.provider:
        console.print("  " + _(
            "This is a {provider} mailbox (provider {key}); its servers may refuse passwords "
            "and need OAuth sign-in.").format(provider=PROVIDER_NAMES[found.provider],
                                              key=found.provider), soft_wrap=True, markup=False)


def _changed(chosen: Endpoint, found: Endpoint) -> str:
    return "" if chosen == found else "   " + _("(your flags; found {found})").format(found=found)


def nothing_found(email: str, discovery: Discovery) -> ConfigError:
    tried = "\n".join(f"  - {attempt}" for attempt in discovery.attempts)
    return ConfigError(
        _("no mail server settings found for {email}; tried:\n{tried}").format(
            email=email, tried=tried),
        hint=_("pass the servers: --imap-host HOST --smtp-host HOST (and --imap-port/"
               "--smtp-port/--imap-security/--smtp-security if not 993 tls and 587 starttls)"),
    )
