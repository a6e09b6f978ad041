"""The triage commands behind the inbox's keys: each calls the triage or campaign service
and returns one sentence saying what it did (run them through the CommandRunner)."""

from __future__ import annotations

import getpass
from datetime import date, datetime

from sqlalchemy import Engine

from outreach.campaigns.referrals import enroll_referral
from outreach.i18n import _
from outreach.tui.format import dated, intent_label
from outreach.watcher import triage


def _who() -> str:
    """Who corrected an intent, as stored: the rep logged in at this machine."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (a container without a passwd entry)
        return "tui"


WHO = _who()


def accept_intent(db: Engine, inbound_id: int, intent: str, now: datetime) -> str:
    done = triage.correct_intent(db, inbound_id, intent, by=WHO, now=now)
    effects = "; ".join(done.actions)
    said = _("intent {intent} accepted").format(intent=intent_label(intent))
    return f"{said}: {effects}" if effects else said


def change_intent(db: Engine, inbound_id: int, intent: str, now: datetime) -> str:
    done = triage.correct_intent(db, inbound_id, intent, by=WHO, now=now)
    effects = "; ".join(done.actions) or _("no further effect")
    return f"{intent_label(done.was)} → {intent_label(intent)}: {effects}"


def snooze(db: Engine, inbound_id: int, until: date, now: datetime) -> str:
    triage.snooze(db, inbound_id, until, now)
    return _("snoozed until {day}").format(day=dated(until, "weekday_date"))


def mark_handled(db: Engine, inbound_id: int, handled: bool, now: datetime) -> str:
    triage.mark_handled(db, inbound_id, handled, now)
    return _("marked handled") if handled else _("back in the queue")


def enroll(db: Engine, inbound_id: int, email: str, now: datetime) -> str:
    added = enroll_referral(db, inbound_id, email, now, by=WHO)
    if not added.enrolled:
        return _("{email} not enrolled in {campaign}: {why}").format(
            email=email, campaign=added.campaign, why=added.skipped
        )
    if added.queued:
        said = _("{email} enrolled in {campaign} (from {mailbox}), first email queued")
    else:
        said = _("{email} enrolled in {campaign} (from {mailbox})")
    return said.format(email=email, campaign=added.campaign, mailbox=added.mailbox)
