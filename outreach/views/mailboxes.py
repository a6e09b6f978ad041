"""Mailboxes as the TUI lists them: connection, state, today's count and the ramp-up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach.engine.pacer_state import load_pacer
from outreach.mailbox.account import Account
from outreach.planner.pacing import parse_ramp
from outreach.store.models import Mailbox, Send, as_utc


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


def mailbox_rows(db: Engine, now: datetime) -> list[MailboxRow]:
    with Session(db) as session:
        boxes = session.exec(select(Mailbox).order_by(col(Mailbox.email))).all()
        return [_row(session, mailbox, now) for mailbox in boxes]


def _row(session: Session, mailbox: Mailbox, now: datetime) -> MailboxRow:
    pacer = load_pacer(session, mailbox, now, random.Random(0))
    today = now.astimezone(pacer.tz).date()
    first_day = _first_send_day(session, mailbox, pacer.tz)
    return MailboxRow(
        email=mailbox.email,
        display_name=mailbox.display_name or "",
        username=mailbox.username,
        smtp=f"{mailbox.smtp_host}:{mailbox.smtp_port} {mailbox.smtp_security}",
        imap=f"{mailbox.imap_host}:{mailbox.imap_port} {mailbox.imap_security}",
        secret_source=mailbox.secret_source,
        paused=mailbox.paused,
        pause_reason=mailbox.pause_reason,
        sent_today=pacer.sent_on[today],
        cap_today=pacer.cap_for(today),
        daily_cap=mailbox.daily_cap,
        ramp=mailbox.ramp,
        ramp_state=ramp_state(
            mailbox.ramp, mailbox.daily_cap, pacer.cap_for(today), first_day, today
        ),
    )


def _first_send_day(session: Session, mailbox: Mailbox, tz: ZoneInfo) -> date | None:
    first = session.exec(
        select(func.min(Send.sent_at)).where(Send.mailbox_id == mailbox.id, Send.state == "sent")
    ).one()
    return None if first is None else as_utc(first).astimezone(tz).date()


def ramp_state(
    ramp: str | None, daily_cap: int, cap_today: int, first_day: date | None, today: date
) -> str:
    """Where a mailbox stands on its ramp-up, in words."""
    if not ramp:
        return "no ramp"
    start, step = parse_ramp(ramp)
    if cap_today >= daily_cap:
        return f"ramped up to {daily_cap}/day"
    day = (today - first_day).days + 1 if first_day is not None else 1
    return f"day {day} of {start}+{step}/day: {cap_today} today, {daily_cap} at full speed"


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
    )


def mailbox_account(db: Engine, email: str) -> Account:
    """The connection values of a saved mailbox (for the connection test)."""
    from outreach.accounts import account_of, get_mailbox

    with Session(db) as session:
        return account_of(get_mailbox(session, email))
