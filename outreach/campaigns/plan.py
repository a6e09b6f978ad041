"""``campaign plan``: the projected schedule from the database, by the engine's own rules.

Emails are simulated through the mailboxes' pacers. A task step (call, LinkedIn, custom)
is no send: a queued one is listed at its due time, and the first task after a prospect's
projected emails is listed when its wait is over (what comes after it depends on the rep's
outcome, so the projection stops there). A step with ``when:`` says the branch: for the
step a prospect waits for now, whether its condition holds today; later, what it waits on.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, and_, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from outreach.campaigns.rows import get_campaign
from outreach.i18n import _, current
from outreach.lifecycle.branching import branch_facts
from outreach.lifecycle.pacer_state import load_pacer
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.planner.clock import DAY_US, MINUTE_US, DayTable, from_us, to_us
from outreach.planner.lanes import Profile
from outreach.planner.mailbox_run import Start
from outreach.planner.simulate import merge, simulate_mailboxes, timeline_for
from outreach.planner.windows import after_wait, next_open, zone
from outreach.sequences import BranchFacts, Sequence, Step, condition_holds
from outreach.states import PENDING, TASK_PENDING
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Mailbox,
    Prospect,
    Send,
    Task,
    as_utc,
    row_id,
)


@dataclass(frozen=True)
class PlanRow:
    """One projected send (or task), as ``campaign plan`` shows it."""

    at: datetime
    local_time: str
    timezone: str
    email: str
    step: int
    mailbox: str
    kind: str = "email"
    """email, or the task's kind: call | linkedin | custom (a task is no send)."""
    branch: str | None = None
    """For a step with ``when:``: ``task: no_answer — holds today`` / ``— fails today:
    skipped`` for the step the prospect waits for now, ``if task: no_answer`` later."""


@dataclass(frozen=True)
class _Enrolled:
    campaign_id: int
    email: str
    tz: ZoneInfo
    mailbox: str
    next_step: int
    sequence: Sequence


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
    until = now + timedelta(days=days)
    timeline = timeline_for(now)
    plans = simulate_mailboxes(starts, pacers, now, until, seed, timeline)
    clocks: dict[ZoneInfo, LocalClock] = {}
    rows = []
    last: dict[Hashable, tuple[int, int]] = {}  # enrollment → (µs, step) of its last email
    with db.connect() as conn:
        facts = {eid: branch_facts(conn, cast(int, eid), e.next_step)
                 for eid, e in info.items() if e.campaign_id == campaign.id}
        tasks = _pending_tasks(conn, row_id(campaign.id))
    for at, mailbox, enrollment, step in merge(plans):
        enrolled = info[enrollment]
        if enrolled.campaign_id != campaign.id:
            continue
        clock = clocks.get(enrolled.tz)
        if clock is None:
            clock = clocks[enrolled.tz] = LocalClock(timeline.days(enrolled.tz))
        last[enrollment] = (at, step)
        branch = _branch(enrolled, step, facts.get(enrollment))
        rows.append(PlanRow(from_us(at), clock.format(at), str(enrolled.tz), enrolled.email,
                            step + 1, mailbox, branch=branch))  # fmt: skip
    for eid, enrolled in info.items():
        if enrolled.campaign_id != campaign.id:
            continue
        task = tasks.get(cast(int, eid)) or _next_task(enrolled, last.get(eid), now)
        if task is None or task[0] >= until:
            continue
        due_at, task_step = task
        clock = clocks.get(enrolled.tz) or LocalClock(timeline.days(enrolled.tz))
        clocks[enrolled.tz] = clock
        kind = enrolled.sequence.steps[task_step].task
        rows.append(PlanRow(
            due_at, clock.format(to_us(due_at)), str(enrolled.tz), enrolled.email,
            task_step + 1, enrolled.mailbox, kind.kind if kind else "email",
            _branch(enrolled, task_step, facts.get(eid)),
        ))  # fmt: skip
    return sorted(rows, key=lambda row: row.at)


def _pending_tasks(conn: Connection, campaign_id: int) -> dict[int, tuple[datetime, int]]:
    """Queued and open tasks of the campaign: enrollment → (due, step)."""
    query = select(col(Task.enrollment_id), col(Task.due_at), col(Task.step_index)).where(
        col(Task.campaign_id) == campaign_id, col(Task.state).in_(TASK_PENDING)
    )
    return {eid: (as_utc(due), step) for eid, due, step in conn.execute(query)}


def _next_task(enrolled: _Enrolled, last: tuple[int, int] | None,
               now: datetime) -> tuple[datetime, int] | None:  # fmt: skip
    """The first task step after the prospect's projected emails, when its wait is over."""
    if last is None:
        return None
    at, step = last
    steps = enrolled.sequence.steps
    following = step + 1
    if following >= len(steps) or steps[following].task is None:
        return None
    due = after_wait(steps[following].wait, from_us(at), enrolled.tz)
    return next_open(enrolled.sequence.schedule, enrolled.tz, max(due, now)), following


def _branch(enrolled: _Enrolled, step: int, facts: BranchFacts | None) -> str | None:
    """The branch a step with ``when:`` takes: today, for the step waited for now."""
    when = enrolled.sequence.steps[step].when
    if when is None:
        return None
    if step != enrolled.next_step or facts is None:
        return _("if {when}").format(when=when.describe())
    if condition_holds(when, facts):
        return _("{when}: holds today").format(when=when.describe())
    return _("{when}: fails today, skipped").format(when=when.describe())


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
) -> tuple[dict[str, list[Start]], dict[Hashable, _Enrolled]]:
    """Each live enrollment's next email per mailbox (plain columns: no ORM objects per
    row); a prospect waiting for a task is known (``info``) but has no email to simulate."""
    boxes = {m.id: m.email for m in mailboxes}
    starts: dict[str, list[Start]] = {email: [] for email in boxes.values()}
    info: dict[Hashable, _Enrolled] = {}
    for campaign in campaigns:
        campaign_id = row_id(campaign.id)
        sequence = campaign_sequence(campaign)
        draft = campaign.state == "draft"
        profiles: dict[tuple[str | None, int], tuple[ZoneInfo, Profile]] = {}
        for row in session.execute(_live_rows(campaign_id)):
            mailbox = boxes.get(row.mailbox_id)
            if mailbox is None:
                continue
            tz = zone(row.timezone or sequence.schedule.timezone)
            info[row.id] = _Enrolled(campaign_id, row.email, tz, mailbox, row.next_step, sequence)
            if row.step_index is not None:
                step, due = row.step_index, to_us(as_utc(row.due_at))
            elif draft and row.next_step == 0 and sequence.steps[0].task is None:
                step, due = 0, to_us(next_open(sequence.schedule, tz, now))
            else:
                continue
            cutoff = _emails_until(sequence.steps, step)
            known = profiles.get((row.timezone, cutoff))
            if known is None:
                steps = sequence.steps[:cutoff]
                profile = Profile(tz, sequence.schedule, sequence.pace, campaign_id, steps)
                known = profiles[(row.timezone, cutoff)] = (tz, profile)
            starts[mailbox].append((due, row.id, step, row.domain, known[1]))
    return starts, info


def _emails_until(steps: tuple[Step, ...], step: int) -> int:
    """Where the run of emails from ``step`` on ends: the next task step (or the end)."""
    return next((i for i in range(step, len(steps)) if steps[i].task is not None), len(steps))


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
