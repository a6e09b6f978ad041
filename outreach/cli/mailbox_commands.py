"""``outreach mailbox add | edit | test | pause | resume | remove`` (the group and ``list``:
:mod:`outreach.cli.mailbox`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine
from sqlmodel import Session

if TYPE_CHECKING:
    from outreach.mailbox.probe import ProbeStep

from outreach import accounts, secrets
from outreach.cli import labels, mailbox_oauth
from outreach.cli.output import check_mark, console, err_console, print_json
from outreach.errors import ConfigError
from outreach.i18n import N_, _
from outreach.mailbox.account import SECURITIES
from outreach.mailbox.discovery import ServerFlags
from outreach.store import open_store, session_scope
from outreach.store.reading import EngineReader
from outreach.views.sent_copies import sent_copies

SECURITY = click.Choice(SECURITIES)


@click.command(
    "add",
    help=_(
        "Add a mailbox. The password goes to the OS keyring, never to the database.\n\n"
        "Without --smtp-host/--imap-host the servers are looked up like Thunderbird does and "
        "shown, with where they came from, before saving; other server flags override them. "
        "An address that is already configured is refused: change it with `mailbox edit`."
    ),
)
@click.argument("email")
@click.option("--smtp-host", help=_("SMTP server (submission) host. Without it (or --imap-host) "
                                    "the settings are looked up: presets, MX, SRV, autoconfig."))
@click.option("--smtp-port", type=int, help=_("Default: 587 starttls, 465 tls, 25 none."))
@click.option("--smtp-security", type=SECURITY, help=_("Default: starttls."))
@click.option("--imap-host", help=_("IMAP server host (may differ from SMTP)."))
@click.option("--imap-port", type=int, help=_("Default: 993 tls, 143 starttls/none."))
@click.option("--imap-security", type=SECURITY, help=_("Default: tls."))
@click.option("--username", help=_("Login name, if not the address."))
@click.option("--name", "display_name", help=_('Display name in From, e.g. "Lena Maier".'))
@click.option(
    "--daily-cap", type=int, default=40, show_default=True,
    help=_("Sends per day, all campaigns."),
)
@click.option("--ramp", help=_("Ramp-up for new domains, e.g. 10+5/day (grows to --daily-cap)."))
@click.option(
    "--sent-copy",
    type=click.Choice(("auto", "append", "server", "plus")),
    help=_("How copies reach Sent (default auto): we APPEND them, the server files them "
           "(Gmail, M365), or plus: the server files a copy sent to you+Sent@ (exact crash "
           "recovery)."),
)
@click.option(
    "--password-stdin", is_flag=True, help=_("Read the password from stdin into the OS keyring.")
)
@click.option("--password-command", help=_("Shell command printing the password at use time."))
@click.option(
    "--oauth2-token-command", help=_("Shell command printing an OAuth2 access token (XOAUTH2).")
)
@click.option(
    "--insecure-skip-verify",
    is_flag=True,
    help=_("Do not verify TLS certificates (test servers only!)."),
)
@click.option("--provider", type=click.Choice(("microsoft365", "google")),
              help=_("Fill hosts, ports, TLS and Sent-copy mode; sign in with OAuth."))
@click.option("--oauth-client-id", help=_("Your organisation's app (client) id for OAuth sign-in."))
@click.option("--oauth-tenant", help=_("Microsoft Entra tenant (default: organizations)."))
@click.option("--oauth-issuer", help=_("Any other OAuth/OIDC issuer URL (discovery)."))
@click.option("--yes", is_flag=True, help=_("Save the settings found without asking."))
@click.option("--json", "as_json", is_flag=True,
              help=_("Print the result as JSON; settings found are only shown unless --yes."))
def add(
    email: str,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str | None,
    imap_host: str | None,
    imap_port: int | None,
    imap_security: str | None,
    username: str | None,
    display_name: str | None,
    daily_cap: int,
    ramp: str | None,
    password_stdin: bool,
    password_command: str | None,
    oauth2_token_command: str | None,
    insecure_skip_verify: bool,
    sent_copy: str | None,
    provider: str | None,
    oauth_client_id: str | None,
    oauth_tenant: str | None,
    oauth_issuer: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    # finding servers loads DNS and HTTPS code: only `add` pays for it
    from outreach.cli.mailbox_autoconfig import ChosenServers, choose_servers

    engine = open_store()
    accounts.refuse_existing(engine, email)
    smtp_flags = ServerFlags(smtp_host, smtp_port, smtp_security)
    imap_flags = ServerFlags(imap_host, imap_port, imap_security)
    if provider:  # the provider's servers, unless flags say otherwise: nothing to look up
        settings = mailbox_oauth.provider_settings(
            provider=provider, client_id=oauth_client_id, tenant=oauth_tenant,
            issuer=oauth_issuer, smtp=(smtp_host, smtp_port, smtp_security or "starttls"),
            imap=(imap_host, imap_port, imap_security or "tls"), sent_copy=sent_copy or "auto",
        )
        servers = ChosenServers(settings.smtp, settings.imap, username, settings.sent_copy)
        oauth = settings.oauth
    else:
        by_issuer = oauth_issuer is not None or oauth_client_id is None
        if by_issuer:  # bad OAuth options are refused before anything is looked up
            oauth = mailbox_oauth.oauth_change(None, oauth_client_id, oauth_tenant, oauth_issuer)
        chosen = choose_servers(email, smtp_flags, imap_flags, username, sent_copy, yes=yes,
                                as_json=as_json, password_stdin=password_stdin)
        if chosen is None:
            return
        servers = chosen
        if not by_issuer:  # --oauth-client-id alone: the provider autoconfig recognised
            found = servers.discovery.found if servers.discovery else None
            oauth = mailbox_oauth.oauth_change(found.provider if found else None,
                                               oauth_client_id, oauth_tenant, None)
    new = accounts.NewMailbox(
        email=email,
        smtp=servers.smtp,
        imap=servers.imap,
        username=servers.username,
        display_name=display_name,
        daily_cap=daily_cap,
        ramp=ramp,
        insecure_skip_verify=insecure_skip_verify,
        password_command=password_command,
        oauth2_token_command=oauth2_token_command,
        sent_copy=servers.sent_copy,
        oauth=oauth,
    )
    password = _read_password() if password_stdin else None
    if insecure_skip_verify:
        _warn_insecure()
    row = accounts.add_mailbox(engine, new, password)
    if as_json:
        print_json({**accounts.mailbox_summary(row), "saved": True,
                    "autoconfig": servers.autoconfig_json()})
    else:
        click.echo(
            _("mailbox {email} saved (secret: {source}); check it with "
              "`outreach mailbox test {email}`").format(
                email=row.email, source=labels.secret_source(row.secret_source))
        )
    if oauth is not None:
        mailbox_oauth.offer_login(row.email, as_json)


@click.command(
    "edit",
    help=_("Change only the settings you name; everything else stays as it is."),
)
@click.argument("email")
@click.option("--smtp-host", help=_("SMTP server (submission) host."))
@click.option("--smtp-port", type=int,
              help=_("Kept unless given (a default port follows security)."))
@click.option("--smtp-security", type=SECURITY)
@click.option("--imap-host", help=_("IMAP server host."))
@click.option("--imap-port", type=int,
              help=_("Kept unless given (a default port follows security)."))
@click.option("--imap-security", type=SECURITY)
@click.option("--username", help=_('Login name ("" = the address).'))
@click.option("--name", "display_name", help=_('Display name in From ("" = none).'))
@click.option("--daily-cap", type=int, help=_("Sends per day, all campaigns."))
@click.option("--ramp", help=_('Ramp-up, e.g. 10+5/day ("" = none).'))
@click.option("--timezone", help=_('Day boundary of the daily cap, e.g. Europe/Berlin ("" = this '
              "machine's)."))
@click.option("--sent-copy", type=click.Choice(accounts.SENT_COPY_MODES))
@click.option("--insecure-skip-verify/--verify-tls", default=None,
              help=_("Stop/start verifying TLS certificates (skip: test servers only!)."))
@click.option("--password-stdin", is_flag=True, help=_("Read a new password into the OS keyring."))
@click.option("--password-command", help=_("Shell command printing the password at use time."))
@click.option("--oauth2-token-command", help=_("Shell command printing an OAuth2 access token."))
@click.option("--provider", type=click.Choice(("microsoft365", "google")),
              help=_("Sign in with OAuth at this provider (with --oauth-client-id)."))
@click.option("--oauth-client-id", help=_("Switch to OAuth sign-in with your organisation's app."))
@click.option("--oauth-tenant", help=_("Microsoft Entra tenant (default: organizations)."))
@click.option("--oauth-issuer", help=_("Any other OAuth/OIDC issuer URL (discovery)."))
def edit(email: str, password_stdin: bool, provider: str | None, oauth_client_id: str | None,
         oauth_tenant: str | None, oauth_issuer: str | None,
         **given: str | int | bool | None) -> None:
    oauth = mailbox_oauth.oauth_change(provider, oauth_client_id, oauth_tenant, oauth_issuer)
    changes = accounts.MailboxChanges(**given, oauth=oauth)  # type: ignore[arg-type]
    if changes == accounts.MailboxChanges() and not password_stdin:
        raise ConfigError(
            _("nothing to change for {email}").format(email=email),
            hint=_("name a setting, e.g. `--password-stdin`, `--smtp-port 465` or `--name …` "
                   "(see `outreach mailbox edit --help`)"),
        )
    password = _read_password() if password_stdin else None
    if changes.insecure_skip_verify:
        _warn_insecure()
    row, changed = accounts.edit_mailbox(open_store(), email, changes, password)
    if changed:
        click.echo(_("mailbox {email} updated:").format(email=row.email))
    else:
        click.echo(_("mailbox {email} unchanged").format(email=row.email))
    for line in changed:
        click.echo(f"  {line}")
    if oauth is not None:
        click.echo(_("sign in with `outreach mailbox login {email}`").format(email=row.email))
    if row.paused:
        click.echo(
            _("it is still paused ({reason}): check it with `outreach mailbox test {email}`, "
              "then `outreach mailbox resume {email}`").format(
                reason=labels.pause_reason(row.pause_reason), email=row.email)
        )


def _warn_insecure() -> None:
    err_console.print(
        "[bold red]" + _("WARNING:") + "[/] "
        + _("TLS certificates of this mailbox will NOT be verified. Anyone on the network "
            "path can read your password and mail. Use this only for a self-signed test "
            "server.")
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt(_("Password"), hide_input=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ConfigError(_("--password-stdin read an empty password from standard input"))
    return line


@click.command(
    "test",
    help=_("Log in over SMTP and IMAP and show each step ✓/✗ with the server's words."),
)
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def test(email: str, as_json: bool) -> None:
    engine = open_store()
    with session_scope(engine) as session:
        row = accounts.get_mailbox(session, email)
    account = accounts.account_of(row)
    import asyncio  # the probe (aiosmtplib, imapclient) loads only for `mailbox test`

    from outreach.mailbox.probe import probe_account

    steps = asyncio.run(probe_account(account, lambda: secrets.fetch_secret(account.secret)))
    sent = next((s.value for s in steps if s.name == "Sent folder" and s.ok), None)
    if sent:
        accounts.set_sent_folder(engine, row.email, sent)
    copies = sent_copy_step(engine, row.email)
    if copies is not None:
        steps.append(copies)
    if as_json:
        print_json([s.__dict__ for s in steps])
    else:
        for step in steps:
            detail = f" — {step.detail}" if step.detail else ""
            name = _(step.name)
            console.print(
                f"{check_mark(step.ok)} {step.protocol.upper()} {name}{detail}", soft_wrap=True
            )
    if not all(s.ok for s in steps):
        sys.exit(1)


def sent_copy_step(engine: Engine, email: str) -> ProbeStep | None:
    """A failed step when our copies to Sent have been failing (from the engine's record)."""
    from outreach.mailbox.probe import ProbeStep

    with Session(engine) as session:
        row = accounts.get_mailbox(session, email)
        health = sent_copies(EngineReader(engine), [row])[row.id or 0]
    if health.warning is None:
        return None
    return ProbeStep("imap", N_("Sent copies"), False, health.warning)


@click.command(
    "remove",
    help=_("Remove a mailbox and its keyring entry (its sent history stays)."),
)
@click.argument("email")
def remove(email: str) -> None:
    accounts.remove_mailbox(open_store(), email)
    click.echo(_("mailbox {email} removed").format(email=email))


@click.command(
    "pause",
    help=_("Stop sending from a mailbox until `mailbox resume`."),
)
@click.argument("email")
@click.option("--reason", help=_("Why (shown in `mailbox list` and the TUI; without it: "
                                   "“paused by hand”)."))
def pause(email: str, reason: str | None) -> None:
    accounts.set_paused(open_store(), email, True, reason or labels.BY_HAND)
    click.echo(_("mailbox {email} paused").format(email=email))


@click.command(
    "resume",
    help=_("Resume a paused mailbox (e.g. after fixing its password)."),
)
@click.argument("email")
def resume(email: str) -> None:
    accounts.set_paused(open_store(), email, False)
    click.echo(_("mailbox {email} resumed").format(email=email))


