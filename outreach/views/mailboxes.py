"""Mailboxes as the TUI lists them: connection, state, today's count and the ramp-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach import wording
from outreach.i18n import _
from outreach.mailbox.account import Account
from outreach.planner.pacing import parse_ramp
from outreach.store.models import Mailbox
from outreach.store.reading import EngineReader
from outreach.views.numbers import MailboxDay, mailbox_days


@dataclass(frozen=True)
class MailboxRow:
    email: str
    display_name: str
    username: str
    smtp: str
    imap: str
    secret_source: str
    paused: bool
    pause_reason: str | None
    sent_today: int
    cap_today: int
    daily_cap: int
    ramp: str | None
    ramp_state: str
    """e.g. "no ramp", "day 3 of ramp 10+5/day: 20 today", "ramped up to 40"."""


@dataclass(frozen=True)
class MailboxSettings:
    """A mailbox's editable settings (for the edit form); never the secret."""

    email: str
    display_name: str
    username: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    imap_host: str
    imap_port: int
    imap_security: str
    daily_cap: int
    ramp: str
    insecure_skip_verify: bool
    password_command: str
    sent_copy: str
    provider: str = "password"  # or microsoft365 | google | oidc (signs in with OAuth)
    oauth_client_id: str = ""
    oauth_where: str = ""  # the Entra tenant or the issuer URL


def mailbox_rows(db: Engine, now: datetime) -> list[MailboxRow]:
    with Session(db) as session:
        boxes = session.exec(select(Mailbox).order_by(col(Mailbox.email))).all()
        days = mailbox_days(EngineReader(db), boxes, now)
    return [_row(mailbox, days[mailbox.id or 0]) for mailbox in boxes]


def _row(mailbox: Mailbox, day: MailboxDay) -> MailboxRow:
    return MailboxRow(
        email=mailbox.email,
        display_name=mailbox.display_name or "",
        username=mailbox.username,
        smtp=f"{mailbox.smtp_host}:{mailbox.smtp_port} {mailbox.smtp_security}",
        imap=f"{mailbox.imap_host}:{mailbox.imap_port} {mailbox.imap_security}",
        secret_source=mailbox.secret_source,
        paused=mailbox.paused,
        pause_reason=wording.pause_reason(mailbox.pause_reason) or None,
        sent_today=day.sent_today,
        cap_today=day.cap_today,
        daily_cap=mailbox.daily_cap,
        ramp=mailbox.ramp,
        ramp_state=ramp_state(day),
    )


def ramp_state(day: MailboxDay) -> str:
    """Where a mailbox stands on its ramp-up, in words."""
    if not day.ramp:
        return _("no ramp")
    start, step = parse_ramp(day.ramp)
    if not day.ramping:
        return _("ramped up to {cap} a day").format(cap=day.daily_cap)
    n = (day.today - day.first_day).days + 1 if day.first_day is not None else 1
    return _("day {day} of {ramp}: {today} today, {cap} at full speed").format(
        day=n, ramp=f"{start}+{step}/day", today=day.cap_today, cap=day.daily_cap)


def mailbox_settings(db: Engine, email: str) -> MailboxSettings:
    from outreach.accounts import get_mailbox

    with Session(db) as session:
        row = get_mailbox(session, email)
    return MailboxSettings(
        email=row.email,
        display_name=row.display_name or "",
        username=row.username,
        smtp_host=row.smtp_host,
        smtp_port=row.smtp_port,
        smtp_security=row.smtp_security,
        imap_host=row.imap_host,
        imap_port=row.imap_port,
        imap_security=row.imap_security,
        daily_cap=row.daily_cap,
        ramp=row.ramp or "",
        insecure_skip_verify=row.insecure_skip_verify,
        password_command=row.password_command or "",
        sent_copy=row.append_to_sent,
        provider=row.oauth_provider if row.secret_source == "oauth2" and row.oauth_provider
        else "password",
        oauth_client_id=row.oauth_client_id or "",
        oauth_where=row.oauth_tenant or row.oauth_issuer or "",
    )


def mailbox_account(db: Engine, email: str) -> Account:
    """The connection values of a saved mailbox (for the connection test)."""
    from outreach.accounts import account_of, get_mailbox

    with Session(db) as session:
        return account_of(get_mailbox(session, email))
