"""``campaign plan``: the projected schedule from the database, by the engine's own rules."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from outreach.campaigns.rows import get_campaign
from outreach.i18n import current
from outreach.lifecycle.pacer_state import load_pacer
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.planner.clock import DAY_US, MINUTE_US, DayTable, from_us, to_us
from outreach.planner.lanes import Profile
from outreach.planner.mailbox_run import Start
from outreach.planner.simulate import merge, simulate_mailboxes, timeline_for
from outreach.planner.windows import next_open, zone
from outreach.states import PENDING
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Mailbox,
    Prospect,
    Send,
    as_utc,
    row_id,
)


@dataclass(frozen=True)
class PlanRow:
    """One projected send, as ``campaign plan`` shows it."""

    at: datetime
    local_time: str
    timezone: str
    email: str
    step: int
    mailbox: str


def plan_campaign(
    db: Engine, name: str, days: int = 14, now: datetime | None = None, seed: int = 0
) -> list[PlanRow]:
    """Every send of campaign ``name`` in the next ``days``; nothing is sent."""
    from outreach.store.models import utcnow

    now = now or utcnow()
    with Session(db) as session:
        campaign = get_campaign(session, name)
        mailboxes = _mailboxes(session, campaign)
        campaigns = _campaigns_sharing(session, campaign, [m.id for m in mailboxes])
        starts, info = _starts(session, campaigns, mailboxes, now)
        pacers = {m.email: load_pacer(session, m, now, random.Random(seed)) for m in mailboxes}
    timeline = timeline_for(now)
    plans = simulate_mailboxes(starts, pacers, now, now + timedelta(days=days), seed, timeline)
    clocks: dict[ZoneInfo, LocalClock] = {}
    rows = []
    for at, mailbox, enrollment, step in merge(plans):
        campaign_id, email, tz = info[enrollment]
        if campaign_id != campaign.id:
            continue
        clock = clocks.get(tz)
        if clock is None:
            clock = clocks[tz] = LocalClock(timeline.days(tz))
        rows.append(PlanRow(from_us(at), clock.format(at), str(tz), email, step + 1, mailbox))
    return rows


def plan_day(day: date) -> str:
    """The day of a planned send: ``Mon 2026-12-07`` in English (also what ``--json``
    shows, which always speaks English), ``Mo., 07.12.2026`` in German."""
    if current() == "en":
        return day.strftime("%a %Y-%m-%d")
    from babel.dates import format_date

    return format_date(day, "EEE, dd.MM.yyyy", locale=current())


class LocalClock:
    """``at.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")`` for µs instants, per timezone.

    On plain days (one UTC offset all day) it is integer arithmetic and a cached date
    prefix; DST days take the datetime way.
    """

    def __init__(self, days: DayTable) -> None:
        self.days = days
        self.span = (0, 0, "", 0)  # the plain day of the last call: from, to, prefix, offset

    def format(self, at: int) -> str:
        low, high, prefix, offset = self.span
        if not low <= at < high:
            day = self.days.day_of(at)
            plain = self.days.offset(day)
            if plain is None:
                local = from_us(at).astimezone(self.days.tz)
                return f"{plan_day(local.date())} {local:%H:%M}"
            prefix, offset = plan_day(date.fromordinal(day)), plain
            self.span = (self.days.midnight(day), self.days.midnight(day + 1), prefix, offset)
        minutes = (at + offset) % DAY_US // MINUTE_US
        return f"{prefix} {minutes // 60:02d}:{minutes % 60:02d}"


def _mailboxes(session: Session, campaign: Campaign) -> list[Mailbox]:
    return list(
        session.exec(
            model_select(Mailbox)
            .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
            .where(CampaignMailbox.campaign_id == campaign.id)
        )
    )


def _campaigns_sharing(
    session: Session, campaign: Campaign, mailbox_ids: list[int | None]
) -> list[Campaign]:
    """The campaign itself plus the active ones using its mailboxes (they share the caps)."""
    others = session.exec(
        model_select(Campaign)
        .join(CampaignMailbox, col(CampaignMailbox.campaign_id) == col(Campaign.id))
        .where(col(CampaignMailbox.mailbox_id).in_(mailbox_ids), Campaign.state == "active")
    ).all()
    unique = {c.id: c for c in others if c.id != campaign.id}
    return [campaign, *unique.values()]


def _starts(
    session: Session, campaigns: Iterable[Campaign], mailboxes: list[Mailbox], now: datetime
) -> tuple[dict[str, list[Start]], dict[Hashable, tuple[int, str, ZoneInfo]]]:
    """Each live enrollment's next step per mailbox (plain columns: no ORM objects per row)."""
    boxes = {m.id: m.email for m in mailboxes}
    starts: dict[str, list[Start]] = {email: [] for email in boxes.values()}
    info: dict[Hashable, tuple[int, str, ZoneInfo]] = {}
    for campaign in campaigns:
        campaign_id = row_id(campaign.id)
        sequence = campaign_sequence(campaign)
        draft = campaign.state == "draft"
        profiles: dict[str | None, tuple[ZoneInfo, Profile]] = {}
        for row in session.execute(_live_rows(campaign_id)):
            mailbox = boxes.get(row.mailbox_id)
            if mailbox is None:
                continue
            known = profiles.get(row.timezone)
            if known is None:
                tz = zone(row.timezone or sequence.schedule.timezone)
                profile = Profile(tz, sequence.schedule, sequence.pace, campaign_id, sequence.steps)
                known = profiles[row.timezone] = (tz, profile)
            tz, profile = known
            if row.step_index is not None:
                step, due = row.step_index, to_us(as_utc(row.due_at))
            elif draft and row.next_step == 0:
                step, due = 0, to_us(next_open(sequence.schedule, tz, now))
            else:
                continue
            starts[mailbox].append((due, row.id, step, row.domain, profile))
            info[row.id] = (campaign_id, row.email, tz)
    return starts, info


def _live_rows(campaign_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(
            *map(
                col,
                (
                    Enrollment.id,
                    Enrollment.mailbox_id,
                    Enrollment.next_step,
                    Prospect.email,
                    Prospect.domain,
                    Prospect.timezone,
                    Send.step_index,
                    Send.due_at,
                ),
            )
        )
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .outerjoin(
            Send,
            and_(col(Send.enrollment_id) == col(Enrollment.id), col(Send.state).in_(PENDING)),
        )
        .where(col(Enrollment.campaign_id) == campaign_id, col(Enrollment.state) == "active")
    )
