"""The triage commands behind the inbox's keys: each calls the triage or campaign service
and returns one sentence saying what it did (run them through the CommandRunner)."""

from __future__ import annotations

import getpass
from datetime import date, datetime

from sqlalchemy import Engine

from outreach.campaigns.referrals import enroll_referral
from outreach.watcher import triage


def _who() -> str:
    """Who corrected an intent, as stored: the rep logged in at this machine."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (a container without a passwd entry)
        return "tui"


WHO = _who()


def intent_label(intent: str | None) -> str:
    """``not_now`` → ``not now``; None → ``—``."""
    return intent.replace("_", " ") if intent else "—"


def accept_intent(db: Engine, inbound_id: int, intent: str, now: datetime) -> str:
    done = triage.correct_intent(db, inbound_id, intent, by=WHO, now=now)
    effects = "; ".join(done.actions)
    return f"intent {intent_label(intent)} accepted" + (f": {effects}" if effects else "")


def change_intent(db: Engine, inbound_id: int, intent: str, now: datetime) -> str:
    done = triage.correct_intent(db, inbound_id, intent, by=WHO, now=now)
    effects = "; ".join(done.actions) or "no further effect"
    return f"{intent_label(done.was)} → {intent_label(intent)}: {effects}"


def snooze(db: Engine, inbound_id: int, until: date, now: datetime) -> str:
    triage.snooze(db, inbound_id, until, now)
    return f"snoozed until {until:%a %d %b %Y}"


def mark_handled(db: Engine, inbound_id: int, handled: bool, now: datetime) -> str:
    triage.mark_handled(db, inbound_id, handled, now)
    return "marked handled" if handled else "back in the queue"


def enroll(db: Engine, inbound_id: int, email: str, now: datetime) -> str:
    added = enroll_referral(db, inbound_id, email, now, by=WHO)
    if not added.enrolled:
        return f"{email} not enrolled in {added.campaign}: {added.skipped}"
    queued = ", first email queued" if added.queued else ""
    return f"{email} enrolled in {added.campaign} (from {added.mailbox}){queued}"
