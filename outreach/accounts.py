"""Mailbox accounts: the service the CLI and the TUI share (add, list, remove, pause, test)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach import secrets
from outreach.addresses import check_header_text, normalize_address, plus_address
from outreach.errors import ConfigError, NotFoundError
from outreach.i18n import _, pgettext
from outreach.mailbox import providers
from outreach.mailbox.account import DEFAULT_PORTS, Account, Endpoint, make_endpoint
from outreach.oauth import grants
from outreach.planner.pacing import parse_ramp
from outreach.store import session_scope
from outreach.store.models import Mailbox, utcnow

# Re-exported: a mailbox's public shape, also read without SQLAlchemy (mailbox list).
from outreach.store.records import OAuthSettings as OAuthSettings
from outreach.store.records import mailbox_summary as mailbox_summary
from outreach.store.records import oauth_settings as oauth_settings

if TYPE_CHECKING:
    from outreach.oauth.signin import SignedIn


@dataclass(frozen=True)
class NewMailbox:
    """What ``mailbox add`` (or the TUI form) asks for; the secret travels separately."""

    email: str
    smtp: Endpoint
    imap: Endpoint
    username: str | None = None
    display_name: str | None = None
    daily_cap: int = 40
    ramp: str | None = None
    insecure_skip_verify: bool = False
    password_command: str | None = None
    oauth2_token_command: str | None = None
    sent_copy: str = "auto"
    oauth: OAuthSettings | None = None


SENT_COPY_MODES = ("auto", "append", "server", "plus")


def mailbox_address(address: str) -> str:
    """A mailbox's address, checked: it is every message's sender, so a non-ASCII local part
    (which would need SMTPUTF8 at every recipient's server) is refused."""
    return normalize_address(address, what="mailbox", smtputf8=False)


def check_new_mailbox(new: NewMailbox) -> None:
    """Values that would fail every send later are refused now (ConfigError, naming the
    option): a display name with a line break, a username or command with one."""
    if new.display_name:
        check_header_text(new.display_name, "--name (display name)")
    for option, value in (
        ("--username", new.username),
        ("--password-command", new.password_command),
        ("--oauth2-token-command", new.oauth2_token_command),
    ):
        if value and any(c in value for c in "\r\n\x00"):
            raise ConfigError(_("{option} must be one line without control characters")
                              .format(option=option))
    for option, host in (("--smtp-host", new.smtp.host), ("--imap-host", new.imap.host)):
        if not host or any(c.isspace() or ord(c) < 32 for c in host):
            raise ConfigError(_("{option} {host!r} is not a host name")
                              .format(option=option, host=host))


def add_mailbox(
    engine: Engine, new: NewMailbox, password: str | None, *, replace: bool = False
) -> Mailbox:
    """Create a mailbox; the password goes to the keyring, never the DB. An address that is
    already configured is refused (ConfigError pointing to ``mailbox edit``) unless
    ``replace`` (the TUI's edit form, which sends every field)."""
    email = mailbox_address(new.email)
    check_new_mailbox(new)
    source = _secret_source(new, password)
    _check_limits(new)
    with session_scope(engine) as session:
        row = session.exec(select(Mailbox).where(Mailbox.email == email)).first()
        if row is not None and not replace:
            raise _already_there(email)
        if password is not None:
            secrets.store_password(email, password)
        row = row or Mailbox(
            email=email, username="", smtp_host="", smtp_port=0, imap_host="", imap_port=0
        )
        _apply(row, new, email, source)
        session.add(row)
    return row


def refuse_existing(engine: Engine, email: str) -> None:
    """Raise the ``add`` refusal now (before a password prompt) if ``email`` is configured."""
    address = mailbox_address(email)
    with Session(engine) as session:
        if session.exec(select(Mailbox.id).where(Mailbox.email == address)).first() is not None:
            raise _already_there(address)


def _already_there(email: str) -> ConfigError:
    return ConfigError(
        _("mailbox {email} already exists; nothing was changed").format(email=email),
        hint=_("change only the settings you name with `outreach mailbox edit {email} …` "
               "(e.g. --password-stdin, --smtp-port 465, --name …), "
               "or `outreach mailbox remove` it first to start over").format(email=email),
    )


def _check_limits(new: NewMailbox) -> None:
    if new.sent_copy not in SENT_COPY_MODES:
        raise ConfigError(_("--sent-copy must be one of {modes}")
                          .format(modes=", ".join(SENT_COPY_MODES)))
    if new.ramp:
        parse_ramp(new.ramp)
    if new.daily_cap < 1:
        raise ConfigError(_("--daily-cap must be at least 1, not {cap}").format(cap=new.daily_cap))


def _secret_source(new: NewMailbox, password: str | None) -> str:
    given = [password is not None, bool(new.password_command), bool(new.oauth2_token_command),
             new.oauth is not None]
    if sum(given) != 1:
        raise ConfigError(
            _("give exactly one of --password-stdin, --password-command, --oauth2-token-command "
              "or --oauth-client-id (sign in with `outreach mailbox login`)")
        )
    if new.oauth is not None:
        return "oauth2"
    if new.oauth2_token_command:
        return "oauth2_command"
    return "command" if new.password_command else "keyring"


def _apply(row: Mailbox, new: NewMailbox, email: str, source: str) -> None:
    row.email = email
    row.username = new.username or email
    row.display_name = new.display_name
    row.smtp_host, row.smtp_port, row.smtp_security = (
        new.smtp.host,
        new.smtp.port,
        new.smtp.security,
    )
    row.imap_host, row.imap_port, row.imap_security = (
        new.imap.host,
        new.imap.port,
        new.imap.security,
    )
    row.insecure_skip_verify = new.insecure_skip_verify
    row.daily_cap = new.daily_cap
    row.ramp = new.ramp
    row.secret_source = source
    row.password_command = new.password_command
    row.oauth2_token_command = new.oauth2_token_command
    row.append_to_sent = new.sent_copy
    oauth = new.oauth
    row.oauth_provider = oauth.provider if oauth else None
    row.oauth_client_id = oauth.client_id if oauth else None
    row.oauth_tenant = oauth.tenant if oauth else None
    row.oauth_issuer = oauth.issuer if oauth else None


@dataclass(frozen=True)
class MailboxChanges:
    """What ``mailbox edit`` changes: ``None`` keeps a setting, ``""`` clears an optional one
    (display name, login name, ramp, timezone). The password travels separately."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    username: str | None = None
    display_name: str | None = None
    daily_cap: int | None = None
    ramp: str | None = None
    timezone: str | None = None
    sent_copy: str | None = None
    insecure_skip_verify: bool | None = None
    password_command: str | None = None
    oauth2_token_command: str | None = None
    oauth: OAuthSettings | None = None  # switch to OAuth sign-in (`mailbox login`)


def edit_mailbox(
    engine: Engine, email: str, changes: MailboxChanges, password: str | None
) -> tuple[Mailbox, list[str]]:
    """Change only the given settings of a mailbox; returns it and what changed
    ("smtp: a → b"). A new password goes to the keyring; moving to a command forgets it."""
    with session_scope(engine) as session:
        row = get_mailbox(session, email)
        before = mailbox_summary(row)
        new_secret = password is not None or _secret_changed(changes)
        new = _edited(row, changes, new_secret)
        check_new_mailbox(new)
        _check_limits(new)
        if changes.sent_copy == "plus":
            _check_plus(row.email, row.sent_folder)
        source = _secret_source(new, password) if new_secret else row.secret_source
        timezone = _edited_timezone(row.timezone, changes.timezone)
        if password is not None:
            secrets.store_password(row.email, password)
        _apply(row, new, row.email, source)
        row.timezone = timezone
        session.add(row)
        changed = _differences(before, mailbox_summary(row))
    if before["secret"] == "keyring" and source != "keyring":
        secrets.delete_password(row.email)
    if before["secret"] == "oauth2" and source != "oauth2":
        _forget_sign_in(row.email)
    if password is not None:
        changed.append(_("password: replaced in the OS keyring"))
    return row, changed


def _secret_changed(changes: MailboxChanges) -> bool:
    return (changes.password_command is not None or changes.oauth2_token_command is not None
            or changes.oauth is not None)


def _edited(row: Mailbox, changes: MailboxChanges, new_secret: bool) -> NewMailbox:
    """The mailbox as it will be; a new secret replaces every old source."""
    username = row.username if row.username != row.email else None
    return NewMailbox(
        email=row.email,
        smtp=_edited_endpoint("smtp", row.smtp_host, row.smtp_port, row.smtp_security, changes),
        imap=_edited_endpoint("imap", row.imap_host, row.imap_port, row.imap_security, changes),
        username=_given(username, changes.username),
        display_name=_given(row.display_name, changes.display_name),
        daily_cap=row.daily_cap if changes.daily_cap is None else changes.daily_cap,
        ramp=_given(row.ramp, changes.ramp),
        insecure_skip_verify=(
            row.insecure_skip_verify
            if changes.insecure_skip_verify is None
            else changes.insecure_skip_verify
        ),
        password_command=changes.password_command if new_secret else row.password_command,
        oauth2_token_command=(
            changes.oauth2_token_command if new_secret else row.oauth2_token_command
        ),
        sent_copy=changes.sent_copy or row.append_to_sent,
        oauth=changes.oauth if new_secret else oauth_settings(row),
    )


def _check_plus(email: str, sent_folder: str | None) -> None:
    """``plus`` needs a Sent folder whose name can be part of an address."""
    if sent_folder and plus_address(email, sent_folder) is None:
        raise ConfigError(
            _("--sent-copy plus cannot file copies in {folder}: the folder's name cannot be "
              "part of an address").format(folder=repr(sent_folder)),
            hint=_("keep --sent-copy append (outreach files the copies) or choose server "
                   "(your server files sent mail itself)"),
        )


def _given(current: str | None, change: str | None) -> str | None:
    """The changed value (``""`` clears it), else the current one."""
    if change is None:
        return current
    return change if change != "" else None


def _edited_endpoint(
    protocol: str, host: str, port: int, security: str, changes: MailboxChanges
) -> Endpoint:
    """One server with the changes applied. A new security without a port moves a default
    port along (587 → 465 for tls); a port someone chose stays."""
    new_security = getattr(changes, f"{protocol}_security") or security
    new_port: int | None = getattr(changes, f"{protocol}_port")
    if new_port is None and new_security != security:
        was_default = DEFAULT_PORTS.get((protocol, security)) == port
        new_port = None if was_default else port
    elif new_port is None:
        new_port = port
    new_host = getattr(changes, f"{protocol}_host") or host
    return make_endpoint(protocol, new_host, new_port, new_security)


def _edited_timezone(current: str | None, change: str | None) -> str | None:
    if change is None:
        return current
    if not change:
        return None
    try:
        ZoneInfo(change)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _("--timezone {zone!r} is not a time zone").format(zone=change),
            hint=_("give an IANA name like Europe/Berlin, or \"\" for this machine's zone"),
        ) from None
    return change


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``setting: old → new`` per changed setting (the setting named in the rep's language;
    in English by its key, as in ``mailbox list --json``)."""
    names = _setting_names()
    return [
        f"{names.get(key, key)}: {_shown(before[key])} → {_shown(after[key])}"
        for key in after
        if before.get(key) != after[key]
    ]


def _setting_names() -> dict[str, str]:
    return {
        "name": pgettext("mailbox setting", "name"),
        "username": pgettext("mailbox setting", "username"),
        "smtp": pgettext("mailbox setting", "smtp"),
        "smtp_security": pgettext("mailbox setting", "smtp_security"),
        "imap": pgettext("mailbox setting", "imap"),
        "imap_security": pgettext("mailbox setting", "imap_security"),
        "secret": pgettext("mailbox setting", "secret"),
        "auth": pgettext("mailbox setting", "auth"),
        "oauth": pgettext("mailbox setting", "oauth"),
        "daily_cap": pgettext("mailbox setting", "daily_cap"),
        "ramp": pgettext("mailbox setting", "ramp"),
        "timezone": pgettext("mailbox setting", "timezone"),
        "sent_folder": pgettext("mailbox setting", "sent_folder"),
        "sent_copy": pgettext("mailbox setting", "sent_copy"),
        "insecure_skip_verify": pgettext("mailbox setting", "insecure_skip_verify"),
        "paused": pgettext("mailbox setting", "paused"),
        "pause_reason": pgettext("mailbox setting", "pause_reason"),
    }


def _shown(value: object) -> str:
    return _("(none)") if value is None or value == "" else str(value)


def get_mailbox(session: Session, email: str) -> Mailbox:
    row = session.exec(select(Mailbox).where(Mailbox.email == email.strip().lower())).first()
    if row is None:
        raise NotFoundError(
            _("no mailbox {email!r}").format(email=email),
            hint=_("see `outreach mailbox list` for the configured ones"),
        )
    return row


def list_mailboxes(engine: Engine) -> list[Mailbox]:
    with Session(engine) as session:
        return list(session.exec(select(Mailbox).order_by(Mailbox.email)))


def remove_mailbox(engine: Engine, email: str) -> None:
    with session_scope(engine) as session:
        row = get_mailbox(session, email)
        session.delete(row)
    secrets.delete_password(row.email)
    _forget_sign_in(row.email)


def _forget_sign_in(email: str) -> None:
    from outreach.oauth import tokens  # msal and Authlib load only when OAuth is used

    grants.forget_grant(email)
    tokens.forget(email)


def set_paused(engine: Engine, email: str, paused: bool, reason: str | None = None) -> Mailbox:
    with session_scope(engine) as session:
        row = get_mailbox(session, email)
        row.paused = paused
        row.pause_reason = reason if paused else None
        row.paused_at = utcnow() if paused else None
        if not paused:
            row.last_auth_failure_at = None
        session.add(row)
    return row


def set_sent_folder(engine: Engine, email: str, folder: str) -> None:
    with session_scope(engine) as session:
        row = get_mailbox(session, email)
        row.sent_folder = folder
        session.add(row)


def account_of(row: Mailbox) -> Account:
    """The plain connection values of a mailbox row."""
    command = row.oauth2_token_command or row.password_command
    settings = oauth_settings(row)
    oauth = (
        providers.oauth_client(settings.provider, settings.client_id, settings.tenant,
                               settings.issuer, row.email)
        if settings else None
    )
    return Account(
        email=row.email,
        username=row.username,
        display_name=row.display_name,
        smtp=Endpoint(row.smtp_host, row.smtp_port, row.smtp_security),  # type: ignore[arg-type]
        imap=Endpoint(row.imap_host, row.imap_port, row.imap_security),  # type: ignore[arg-type]
        insecure_skip_verify=row.insecure_skip_verify,
        secret=secrets.SecretRef(row.email, row.secret_source, command, oauth),
    )


def sign_in_reason(email: str) -> str:
    """The pause reason of a mailbox whose OAuth sign-in the provider refused.

    English on purpose: it is stored and compared (a new sign-in resumes only this pause);
    the CLI and the TUI translate it where they show it."""
    return f"sign in again: outreach mailbox login {email}"


def sign_in_mailbox(
    engine: Engine,
    email: str,
    on_prompt: Callable[[dict[str, object]], object],
    *,
    flow: str = "auto",
    open_browser: bool = True,
    stop: threading.Event | None = None,
) -> tuple[SignedIn, bool]:
    """Sign an OAuth mailbox in (the grant goes to the keyring); a mailbox paused because
    its sign-in was refused is resumed. Returns the sign-in and whether it was resumed."""
    with Session(engine) as session:
        row = get_mailbox(session, email)
    client = account_of(row).secret.oauth
    if client is None:
        raise ConfigError(_("mailbox {email} does not sign in with OAuth").format(email=row.email),
                          hint=_("add it with --provider microsoft365|google --oauth-client-id "
                                 "…, or --oauth-issuer URL --oauth-client-id …; or switch it "
                                 "with `outreach mailbox edit` and the same options"))
    from outreach.oauth.signin import sign_in  # msal, Authlib: only when signing in

    # Google returns a refresh token only when asked for offline access with consent.
    extra = {"access_type": "offline", "prompt": "consent"} if row.oauth_provider == "google" \
        else {}
    signed = sign_in(client, on_prompt, flow=flow, open_browser=open_browser, extra=extra,
                     stop=stop)
    resumed = row.paused and row.pause_reason == sign_in_reason(row.email)
    if resumed:
        set_paused(engine, row.email, False)
    return signed, resumed
