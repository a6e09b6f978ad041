"""How a mailbox signs in, as doctor findings (pure): a Microsoft 365 mailbox still on a
password, an OAuth mailbox that is not signed in or whose sign-in ends soon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from outreach.deliverability.findings import Finding, ok, warn
from outreach.deliverability.sender import MICROSOFT_SMTP_HOSTS
from outreach.i18n import _
from outreach.oauth.grants import Grant
from outreach.store.models import Mailbox

# Exchange Team blog, 2026-01-27: SMTP basic authentication (SMTP AUTH with a password) is
# turned off by default for existing tenants at the end of December 2026.
BASIC_AUTH_OFF = date(2026, 12, 31)
EXPIRY_WARNING = timedelta(days=14)
CHECK = "Sign-in"


def sign_in_finding(row: Mailbox, grant: Grant | None, now: datetime) -> Finding | None:
    """The finding for ``row`` (None when there is nothing to say about its sign-in)."""
    if row.secret_source == "oauth2":
        return _oauth_finding(row, grant, now)
    if _is_microsoft(row) and row.secret_source in ("keyring", "command"):
        detail = (
            _("Microsoft 365 with a password: Exchange Online turned off SMTP basic "
              "authentication in December 2026 (sending fails with 535 5.7.139)")
            if now.date() > BASIC_AUTH_OFF else
            _("Microsoft 365 with a password: Exchange Online turns off SMTP basic "
              "authentication at the end of December 2026 (sending then fails with 535 5.7.139)")
        )
        return warn(
            CHECK,
            detail,
            _("sign in with OAuth: `{edit}`, then `{login}` (docs/oauth2.md)").format(
                edit=f"outreach mailbox edit {row.email} --provider microsoft365 "
                     "--oauth-client-id …",
                login=f"outreach mailbox login {row.email}"),
        )
    return None


def _iso_day(timestamp: float) -> str:
    return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d}"


def _oauth_finding(row: Mailbox, grant: Grant | None, now: datetime) -> Finding:
    login = f"`outreach mailbox login {row.email}`"
    if grant is None:
        return warn(CHECK, _("OAuth ({provider}): not signed in").format(
            provider=row.oauth_provider), _("sign in: {command}").format(command=login))
    if grant.refresh_expires_at is not None:
        ends = datetime.fromtimestamp(grant.refresh_expires_at, UTC)
        if ends - now < EXPIRY_WARNING:
            detail = (_("OAuth ({provider}): the sign-in ended {when} UTC") if ends <= now
                      else _("OAuth ({provider}): the sign-in ends {when} UTC"))
            return warn(CHECK, detail.format(provider=row.oauth_provider,
                                             when=f"{ends:%Y-%m-%d %H:%M}"),
                        _("sign in again before then: {command}").format(command=login))
    if grant.signed_in_at:
        return ok(CHECK, _("OAuth ({provider}), signed in {day}; the refresh token is in the OS "
                           "keyring").format(provider=row.oauth_provider,
                                             day=_iso_day(grant.signed_in_at)))
    return ok(CHECK, _("OAuth ({provider}); the refresh token is in the OS keyring").format(
        provider=row.oauth_provider))


def _is_microsoft(row: Mailbox) -> bool:
    return row.smtp_host.lower().rstrip(".") in MICROSOFT_SMTP_HOSTS
