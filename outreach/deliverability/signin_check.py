"""How a mailbox signs in, as doctor findings (pure): a Microsoft 365 mailbox still on a
password, an OAuth mailbox that is not signed in or whose sign-in ends soon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from outreach.deliverability.findings import Finding, ok, warn
from outreach.deliverability.sender import MICROSOFT_SMTP_HOSTS
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
        when = "turned off" if now.date() > BASIC_AUTH_OFF else "turned off at the end of"
        return warn(
            CHECK,
            f"Microsoft 365 with a password: Exchange Online {when} December 2026 SMTP "
            "basic authentication (sending then fails with 535 5.7.139)",
            f"sign in with OAuth: `outreach mailbox edit {row.email} --provider microsoft365 "
            f"--oauth-client-id …`, then `outreach mailbox login {row.email}` (docs/oauth2.md)",
        )
    return None


def _oauth_finding(row: Mailbox, grant: Grant | None, now: datetime) -> Finding:
    login = f"`outreach mailbox login {row.email}`"
    if grant is None:
        return warn(CHECK, f"OAuth ({row.oauth_provider}): not signed in", f"sign in: {login}")
    if grant.refresh_expires_at is not None:
        ends = datetime.fromtimestamp(grant.refresh_expires_at, UTC)
        if ends - now < EXPIRY_WARNING:
            past = "ended" if ends <= now else "ends"
            return warn(CHECK, f"OAuth ({row.oauth_provider}): the sign-in {past} "
                        f"{ends:%Y-%m-%d %H:%M} UTC", f"sign in again before then: {login}")
    since = (f", signed in {datetime.fromtimestamp(grant.signed_in_at, UTC):%Y-%m-%d}"
             if grant.signed_in_at else "")
    return ok(CHECK, f"OAuth ({row.oauth_provider}){since}; the refresh token is in the "
              "OS keyring")


def _is_microsoft(row: Mailbox) -> bool:
    return row.smtp_host.lower().rstrip(".") in MICROSOFT_SMTP_HOSTS
