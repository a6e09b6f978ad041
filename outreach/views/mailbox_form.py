"""The mailbox form's logic, apart from any widget: check every field (errors by field
name), test the connection in stages, place a failed step next to its field, and save.

Nothing is saved until every field is valid and (unless skipped) the test passed; the
password goes straight to the keyring through :func:`outreach.accounts.add_mailbox`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine

from outreach import accounts, secrets
from outreach.accounts import mailbox_address
from outreach.addresses import check_header_text
from outreach.errors import ConfigError, OutreachError
from outreach.i18n import _
from outreach.mailbox.account import Account, Endpoint, make_endpoint
from outreach.mailbox.probe import ProbeStep, probe_imap, probe_smtp
from outreach.mailbox.providers import PROVIDERS, check_issuer
from outreach.planner.pacing import parse_ramp
from outreach.secrets import SecretRef

FIELDS = (
    "email",
    "display_name",
    "username",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "imap_host",
    "imap_port",
    "imap_security",
    "password",
    "password_command",
    "provider",
    "oauth_client_id",
    "oauth_where",
    "daily_cap",
    "ramp",
    "insecure_skip_verify",
)
_T = TypeVar("_T")

# A failed step of the connection test is shown next to the field that can fix it.
STEP_FIELDS = {
    ("secret", ""): "password",
    ("smtp", "connect"): "smtp_host",
    ("smtp", "STARTTLS"): "smtp_security",
    ("smtp", "AUTH"): "password",
    ("smtp", "XOAUTH2"): "password",
    ("imap", "connect"): "imap_host",
    ("imap", "LOGIN"): "password",
}


@dataclass(frozen=True)
class MailboxForm:
    """A checked form: what to save and the secret that goes with it."""

    new: accounts.NewMailbox
    password: str | None
    """The typed password (None: a password command, or keep the stored one)."""
    keep_password: bool = False
    editing: bool = False
    """Saving replaces the stored mailbox of the same address (the edit form)."""

    @property
    def signs_in(self) -> bool:
        """An OAuth mailbox: nothing to test before ``mailbox login`` (the sign-in modal)."""
        return self.new.oauth is not None


def check_form(
    values: Mapping[str, str], *, editing: bool
) -> tuple[MailboxForm | None, dict[str, str]]:
    """The form as a :class:`MailboxForm`, or the error of each bad field by field name."""
    errors: dict[str, str] = {}
    email = _field(errors, "email", lambda: mailbox_address(values["email"]))
    name = (values.get("display_name") or "").strip() or None
    if name is not None:
        _field(errors, "display_name", lambda: check_header_text(name, "display name"))
    provider = values.get("provider") or "password"
    values = _with_preset(values, provider)
    smtp = _endpoint(errors, "smtp", values)
    imap = _endpoint(errors, "imap", values)
    cap = _field(errors, "daily_cap", lambda: _positive(values.get("daily_cap") or "40"))
    ramp = (values.get("ramp") or "").strip() or None
    if ramp:
        _field(errors, "ramp", lambda: parse_ramp(ramp))
    oauth = _oauth(values, provider, errors)
    if provider == "password":
        password, command, keep = _secret(values, editing, errors)
    else:
        password, command, keep = "", "", False
        if values.get("password") or (values.get("password_command") or "").strip():
            errors["password"] = _("an OAuth mailbox signs in instead: leave the password empty")
    if errors or email is None or smtp is None or imap is None or cap is None:
        return None, errors
    new = accounts.NewMailbox(
        email=email,
        smtp=smtp,
        imap=imap,
        username=(values.get("username") or "").strip() or None,
        display_name=name,
        daily_cap=cap,
        ramp=ramp,
        insecure_skip_verify=values.get("insecure_skip_verify") == "true",
        password_command=command or None,
        oauth=oauth,
        sent_copy=PROVIDERS[provider].sent_copy if provider in PROVIDERS else "auto",
    )
    return MailboxForm(new, password or None, keep, editing), errors


def _with_preset(values: Mapping[str, str], provider: str) -> Mapping[str, str]:
    """A provider's servers fill the server fields left empty."""
    preset = PROVIDERS.get(provider)
    if preset is None or (values.get("smtp_host") or "").strip():
        return values
    filled = dict(values)
    for protocol, endpoint in (("smtp", preset.smtp), ("imap", preset.imap)):
        filled[f"{protocol}_host"] = endpoint.host
        filled[f"{protocol}_port"] = str(endpoint.port)
        filled[f"{protocol}_security"] = endpoint.security
    return filled


def _oauth(values: Mapping[str, str], provider: str,
           errors: dict[str, str]) -> accounts.OAuthSettings | None:
    """The sign-in settings of a Microsoft 365 / Google / OIDC issuer choice."""
    if provider == "password":
        return None
    client_id = (values.get("oauth_client_id") or "").strip()
    where = (values.get("oauth_where") or "").strip() or None
    if not client_id:
        errors["oauth_client_id"] = _("your organisation's app (client) id (docs/oauth2.md)")
    if provider == "oidc":
        if where is None:
            errors["oauth_where"] = _("the issuer URL of your OAuth/OIDC server")
            return None
        issuer = _field(errors, "oauth_where", lambda: check_issuer(where))
        return accounts.OAuthSettings("oidc", client_id, issuer=issuer) if issuer else None
    if where and provider != "microsoft365":
        errors["oauth_where"] = _("only Microsoft 365 (a tenant) or an OIDC issuer take this")
    return accounts.OAuthSettings(provider, client_id, tenant=where)


def _secret(
    values: Mapping[str, str], editing: bool, errors: dict[str, str]
) -> tuple[str, str, bool]:
    """The typed password, the password command, and whether to keep the stored one."""
    password, command = values.get("password") or "", (values.get("password_command") or "").strip()
    if password and command:
        errors["password_command"] = _("give a password or a password command, not both")
    elif not password and not command and not editing:
        errors["password"] = _("the mailbox's password (or app password) is needed")
    return password, command, editing and not password and not command


def _field(errors: dict[str, str], name: str, make: Callable[[], _T]) -> _T | None:
    try:
        return make()
    except (ConfigError, ValueError) as exc:
        errors[name] = exc.message if isinstance(exc, ConfigError) else str(exc)
        return None


def _positive(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(_("a whole number, not {value}").format(value=repr(text))) from None
    if value < 1:
        raise ValueError(_("must be at least 1, not {value}").format(value=value))
    return value


def _endpoint(errors: dict[str, str], protocol: str, values: Mapping[str, str]) -> Endpoint | None:
    """One server's fields; the host and the port are checked on their own."""
    host = (values.get(f"{protocol}_host") or "").strip()
    port = _port(errors, protocol, values.get(f"{protocol}_port") or "")
    if not host:
        errors[f"{protocol}_host"] = _("the {protocol} server's host name is needed").format(
            protocol=protocol.upper())
    if not host or f"{protocol}_port" in errors:
        return None
    try:
        return make_endpoint(protocol, host, port, values.get(f"{protocol}_security") or "tls")
    except ConfigError as exc:
        name = "port" if "port" in exc.message else "security"
        errors[f"{protocol}_{name}"] = exc.message.replace(f"--{protocol}-", "")
        return None


def _port(errors: dict[str, str], protocol: str, text: str) -> int | None:
    """The port typed (None: the default for the security chosen)."""
    if not text.strip():
        return None
    try:
        port = int(text)
    except ValueError:
        errors[f"{protocol}_port"] = _("a port is a number, not {value}").format(value=repr(text))
        return None
    if not 0 < port < 65536:
        errors[f"{protocol}_port"] = _("port must be between 1 and 65535, not {value}").format(
            value=port)
    return port


def account_for(form: MailboxForm) -> Account:
    """The connection values of a form (nothing saved)."""
    new = form.new
    source = "command" if new.password_command else "keyring"
    if new.oauth is not None:
        raise ConfigError(_("an OAuth mailbox is tested after its sign-in"))
    return Account(
        email=new.email,
        username=new.username or new.email,
        display_name=new.display_name,
        smtp=new.smtp,
        imap=new.imap,
        insecure_skip_verify=new.insecure_skip_verify,
        secret=SecretRef(new.email, source, new.password_command),
    )


def secret_getter(form: MailboxForm) -> Callable[[], str]:
    """The typed password, else the password command's answer, else the stored one."""
    if form.password is not None:
        password = form.password
        return lambda: password
    ref = account_for(form).secret
    return lambda: secrets.fetch_secret(ref)


async def probe_in_stages(
    account: Account, get_secret: Callable[[], str]
) -> AsyncIterator[tuple[str, list[ProbeStep]]]:
    """The connection test, stage by stage: ("secret", …), then "smtp" and "imap" as each
    finishes (they run side by side). The secret is fetched once."""
    try:
        secret = await asyncio.to_thread(get_secret)
    except OutreachError as exc:
        yield "secret", [ProbeStep("secret", _("fetch the password"), False, exc.message)]
        return
    yield "secret", [ProbeStep("secret", _("fetch the password"), True)]
    pending: dict[asyncio.Future[list[ProbeStep]], str] = {
        asyncio.ensure_future(probe_smtp(account, lambda: secret)): "smtp",
        asyncio.ensure_future(asyncio.to_thread(probe_imap, account, lambda: secret)): "imap",
    }
    while pending:
        done, _pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            yield pending.pop(task), task.result()


def field_errors(steps: list[ProbeStep]) -> dict[str, str]:
    """Failed steps placed next to the field that can fix them (the first per field)."""
    errors: dict[str, str] = {}
    for step in steps:
        if step.ok:
            continue
        verb = step.name.split(" ")[0] if step.protocol != "secret" else ""
        name = STEP_FIELDS.get((step.protocol, verb))
        if name is not None:
            errors.setdefault(name, f"{step.protocol.upper()} {step.name}: {step.detail}")
    return errors


def blocking(steps: list[ProbeStep]) -> bool:
    """Whether the test failed in a way that must stop saving (a missing Sent folder does not)."""
    return any(not step.ok and step.name != "Sent folder" for step in steps)


def save_form(db: Engine, form: MailboxForm) -> str:
    """Save the mailbox; the password goes to the keyring. Returns its address."""
    password = form.password
    if form.keep_password:
        password = secrets.fetch_secret(SecretRef(form.new.email, "keyring"))
    row = accounts.add_mailbox(db, form.new, password, replace=form.editing)
    return row.email
