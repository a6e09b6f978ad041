"""A mailbox as a plain record, read without SQLAlchemy, and its public shape.

``mailbox list`` and ``status`` read mailboxes through a
:class:`~outreach.store.reading.Reader` (:func:`mailbox_records`); everything else works on
the SQLModel row (:class:`outreach.store.models.Mailbox`). Both have the same fields
(``tests/test_reading.py`` holds them together), so :func:`mailbox_summary` and
:func:`oauth_settings` take either.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from outreach.store.reading import Reader, time

if TYPE_CHECKING:
    from outreach.store.models import Mailbox


@dataclass(frozen=True)
class MailboxRecord:
    """One ``mailbox`` row (see :class:`outreach.store.models.Mailbox` for each field)."""

    id: int
    email: str
    display_name: str | None
    username: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    imap_host: str
    imap_port: int
    imap_security: str
    insecure_skip_verify: bool
    secret_source: str
    password_command: str | None
    oauth2_token_command: str | None
    oauth_provider: str | None
    oauth_client_id: str | None
    oauth_tenant: str | None
    oauth_issuer: str | None
    daily_cap: int
    ramp: str | None
    timezone: str | None
    per_domain_hourly: int | None
    sent_folder: str | None
    append_to_sent: str
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None
    last_auth_failure_at: datetime | None
    created_at: datetime | None


COLUMNS = tuple(f.name for f in fields(MailboxRecord))
_FLAGS = ("insecure_skip_verify", "paused")
_TIMES = ("paused_at", "last_auth_failure_at", "created_at")


def mailbox_records(reader: Reader) -> list[MailboxRecord]:
    """Every mailbox, by address."""
    rows = reader.rows(f"SELECT {', '.join(COLUMNS)} FROM mailbox ORDER BY email")  # noqa: S608
    return [_record(dict(zip(COLUMNS, row, strict=True))) for row in rows]


def _record(values: dict[str, Any]) -> MailboxRecord:
    for name in _FLAGS:
        values[name] = bool(values[name])  # SQLite gives 0/1
    for name in _TIMES:
        values[name] = time(values[name])
    return MailboxRecord(**values)


@dataclass(frozen=True)
class OAuthSettings:
    """A mailbox that signs in with OAuth (``outreach mailbox login``): which provider
    (microsoft365 | google | oidc), the organisation's own client id, and the Entra tenant
    or the issuer URL. The tokens live in the keyring only."""

    provider: str
    client_id: str
    tenant: str | None = None
    issuer: str | None = None


def oauth_settings(row: Mailbox | MailboxRecord) -> OAuthSettings | None:
    """The OAuth sign-in settings of a row, None for a password/command mailbox."""
    if row.secret_source != "oauth2" or not row.oauth_provider or not row.oauth_client_id:
        return None
    return OAuthSettings(row.oauth_provider, row.oauth_client_id, row.oauth_tenant,
                         row.oauth_issuer)  # fmt: skip


def mailbox_summary(row: Mailbox | MailboxRecord) -> dict[str, Any]:
    """The JSON shape of ``mailbox list --json`` (no secret, ever)."""
    return {
        "email": row.email,
        "name": row.display_name,
        "username": row.username,
        "smtp": f"{row.smtp_host}:{row.smtp_port}",
        "smtp_security": row.smtp_security,
        "imap": f"{row.imap_host}:{row.imap_port}",
        "imap_security": row.imap_security,
        "secret": row.secret_source,
        "auth": "oauth2" if row.secret_source in ("oauth2", "oauth2_command") else "password",
        "oauth": _oauth_summary(row),
        "daily_cap": row.daily_cap,
        "ramp": row.ramp,
        "timezone": row.timezone,
        "sent_folder": row.sent_folder,
        "sent_copy": row.append_to_sent,
        "insecure_skip_verify": row.insecure_skip_verify,
        "paused": row.paused,
        "pause_reason": row.pause_reason,
    }


def _oauth_summary(row: Mailbox | MailboxRecord) -> dict[str, str | None] | None:
    settings = oauth_settings(row)
    if settings is None:
        return None
    return {"provider": settings.provider, "client_id": settings.client_id,
            "tenant": settings.tenant, "issuer": settings.issuer}  # fmt: skip
