"""Rebuilding a mailbox's pacer from the sends table (the DB is the queue, and the memory)."""

from __future__ import annotations

import random
from collections import deque
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.lifecycle.snapshots import campaign_sequence
from outreach.lifecycle.zones import mailbox_zone
from outreach.planner.pacing import MailboxPacer, ramped_cap, random_gap
from outreach.store.models import Campaign, Mailbox, Prospect, Send


def load_pacer(
    session: Session, mailbox: Mailbox, now: datetime, rng: random.Random
) -> MailboxPacer:
    """A pacer holding today's counts, the last hour per domain, and the gap since the last send."""
    assert mailbox.id is not None
    tz = mailbox_zone(mailbox)
    first = session.exec(
        select(func.min(Send.sent_at)).where(Send.mailbox_id == mailbox.id, Send.state == "sent")
    ).one()
    first_day = first.astimezone(tz).date() if first else None
    pacer = MailboxPacer(
        key=mailbox.email,
        tz=tz,
        cap_for=partial(_cap, mailbox.daily_cap, mailbox.ramp, first_day),
        domain_hourly=mailbox.per_domain_hourly,
    )
    _replay_recent(session, pacer, mailbox.id, now, rng)
    return pacer


def _cap(daily_cap: int, ramp: str | None, first_day: date | None, day: date) -> int:
    return ramped_cap(daily_cap, ramp, first_day, day)


def _replay_recent(
    session: Session, pacer: MailboxPacer, mailbox_id: int, now: datetime, rng: random.Random
) -> None:
    rows = session.exec(
        select(Send.sent_at, Send.campaign_id, Prospect.domain)
        .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
        .where(
            Send.mailbox_id == mailbox_id,
            Send.state == "sent",
            col(Send.sent_at) >= now - timedelta(hours=50),
        )
        .order_by(col(Send.sent_at))
    ).all()
    last_campaign: int | None = None
    for sent_at, campaign_id, domain in rows:
        assert sent_at is not None
        day = sent_at.astimezone(pacer.tz).date()
        pacer.sent_on[day] += 1
        pacer.sent_on_campaign[(campaign_id, day)] += 1
        if sent_at > now - timedelta(hours=1):
            pacer.recent_by_domain.setdefault(domain, deque()).append(sent_at)
        pacer.next_free, last_campaign = sent_at, campaign_id
    if pacer.next_free is not None and last_campaign is not None:
        pace = campaign_sequence(session.get_one(Campaign, last_campaign)).pace
        pacer.next_free += random_gap(pace, rng)
