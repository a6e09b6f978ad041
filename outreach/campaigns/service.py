"""Campaign lifecycle: create (enroll), start (preflight + queue step 1), pause, resume, archive.

The CLI and the TUI call these; they take an engine and return plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach import accounts
from outreach.campaigns.context import campaign_sequence, prospect_fields
from outreach.engine.queue import schedule_step
from outreach.errors import ConfigError, NotFoundError, ValidationFailed
from outreach.planner.assign import assign_mailboxes
from outreach.sequences import Sequence, load_sequence, missing_fields, sequence_hash, to_snapshot
from outreach.sequences.render import render_step
from outreach.store import session_scope
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Event,
    Mailbox,
    Prospect,
    ProspectTag,
    Send,
    row_id,
    utcnow,
)
from outreach.suppression import suppressed_set

STATES = ("draft", "active", "paused", "archived")
LIVE_ENROLLMENT = ("active", "paused")


@dataclass(frozen=True)
class Enrolled:
    """What ``campaign create`` did."""

    campaign: str
    enrolled: int
    suppressed: list[str] = field(default_factory=list)
    per_mailbox: dict[str, int] = field(default_factory=dict)


def get_campaign(session: Session, name: str) -> Campaign:
    row = session.exec(select(Campaign).where(Campaign.name == name)).first()
    if row is None:
        raise NotFoundError(
            f"no campaign {name!r}", hint="see `outreach campaign list` for the existing ones"
        )
    return row


def create_campaign(
    engine: Engine,
    name: str,
    sequence_path: Path,
    mailbox_emails: list[str],
    *,
    tags: list[str] | None = None,
    all_prospects: bool = False,
) -> Enrolled:
    """A draft campaign with its prospects enrolled and each given a mailbox (sticky)."""
    if not name.strip():
        raise ConfigError("a campaign needs a name")
    if not mailbox_emails:
        raise ConfigError("give at least one --mailbox to send from")
    if not tags and not all_prospects:
        raise ConfigError("choose prospects with --tag T (repeatable) or --all")
    sequence = load_sequence(sequence_path)
    with session_scope(engine) as session:
        if session.exec(select(Campaign).where(Campaign.name == name)).first():
            raise ConfigError(f"campaign {name!r} exists already", hint="pick another name")
        mailboxes = [accounts.get_mailbox(session, email) for email in mailbox_emails]
        campaign = Campaign(
            name=name,
            sequence_path=str(sequence_path),
            sequence=to_snapshot(sequence),
            sequence_hash=sequence_hash(sequence),
        )
        session.add(campaign)
        session.flush()
        for box in mailboxes:
            session.add(CampaignMailbox(campaign_id=row_id(campaign.id), mailbox_id=row_id(box.id)))
        return _enroll(session, campaign, mailboxes, _select_prospects(session, tags))


def _select_prospects(session: Session, tags: list[str] | None) -> list[Prospect]:
    query = select(Prospect).order_by(col(Prospect.id))
    if tags:
        query = query.where(
            col(Prospect.id).in_(
                select(ProspectTag.prospect_id).where(col(ProspectTag.tag).in_(tags))
            )
        )
    return list(session.exec(query))


def _enroll(
    session: Session, campaign: Campaign, mailboxes: list[Mailbox], prospects: list[Prospect]
) -> Enrolled:
    blocked = suppressed_set(session, [p.email for p in prospects])
    eligible = [p for p in prospects if p.email not in blocked]
    capacity = {box.email: box.daily_cap for box in mailboxes}
    assignment = assign_mailboxes([p.id for p in eligible], capacity, _live_load(session))
    box_ids = {box.email: box.id for box in mailboxes}
    for prospect in eligible:
        session.add(
            Enrollment(
                campaign_id=row_id(campaign.id),
                prospect_id=row_id(prospect.id),
                mailbox_id=box_ids[assignment[prospect.id]],
            )
        )
    per_mailbox = {email: list(assignment.values()).count(email) for email in capacity}
    return Enrolled(campaign.name, len(eligible), sorted(blocked), per_mailbox)


def _live_load(session: Session) -> dict[str, int]:
    """Live enrollments per mailbox across all campaigns (for balancing new ones)."""
    rows = session.exec(
        select(Mailbox.email, func.count())
        .join(Enrollment, col(Enrollment.mailbox_id) == col(Mailbox.id))
        .where(col(Enrollment.state).in_(LIVE_ENROLLMENT))
        .group_by(col(Mailbox.email))
    )
    return dict(rows.all())


def preflight(session: Session, campaign: Campaign) -> list[str]:
    """Every enrolled prospect must render every step; returns one line per failure."""
    sequence = campaign_sequence(campaign)
    failures: list[str] = []
    rendered_one = False
    for prospect in _enrolled_prospects(session, campaign):
        fields = prospect_fields(prospect)
        missing = missing_fields(sequence, fields)
        if missing:
            failures.append(f"{prospect.email}: no value for {', '.join(sorted(missing))}")
        elif not rendered_one:  # one full render catches runtime template errors
            failures += _render_all(sequence, fields)
            rendered_one = True
    return failures


def _render_all(sequence: Sequence, fields: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for step in sequence.steps:
        for variant in range(len(step.variants)):
            try:
                render_step(sequence, step.index, fields, variant)
            except ValidationFailed as exc:
                failures.append(f"{fields['email']}: {exc}")
    return failures


def _enrolled_prospects(session: Session, campaign: Campaign) -> list[Prospect]:
    return list(
        session.exec(
            select(Prospect)
            .join(Enrollment, col(Enrollment.prospect_id) == col(Prospect.id))
            .where(Enrollment.campaign_id == campaign.id, col(Enrollment.state) == "active")
        )
    )


def start_campaign(
    engine: Engine, name: str, now: datetime | None = None, *, verify: bool = False
) -> int:
    """Preflight, then queue the first step of every enrollment; returns how many.

    With ``verify``, every prospect's address is checked first (syntax, the domain takes
    mail, not disposable): invalid ones become ``invalid`` enrollments and get nothing.
    """
    now = now or utcnow()
    if verify:
        from outreach.deliverability.verify_enrollments import verify_enrollments

        verify_enrollments(engine, name)
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        if campaign.state != "draft":
            raise ConfigError(
                f"campaign {name!r} is {campaign.state}, not a draft",
                hint="use `campaign resume` for a paused one",
            )
        failures = preflight(session, campaign)
        if failures:
            raise ValidationFailed(
                f"campaign {name!r} cannot start: {len(failures)} prospect(s) fail to render",
                failures[:200],
                hint='fix the prospects\' fields or add `| default("…")` to the template',
            )
        queued = _queue_first_steps(session, campaign, now)
        campaign.state, campaign.started_at = "active", now
        session.add(campaign)
        session.add(
            Event(kind="campaign_started", campaign_id=campaign.id, data={"queued": queued})
        )
    return queued


def _queue_first_steps(session: Session, campaign: Campaign, now: datetime) -> int:
    sequence = campaign_sequence(campaign)
    boxes = {
        box.id: box
        for box in session.exec(
            select(Mailbox).join(CampaignMailbox).where(CampaignMailbox.campaign_id == campaign.id)
        )
    }
    rows = session.exec(
        select(Enrollment, Prospect)
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .where(Enrollment.campaign_id == campaign.id, col(Enrollment.state) == "active")
    )
    queued = 0
    for enrollment, prospect in rows:
        mailbox = boxes[enrollment.mailbox_id]
        queued += (
            schedule_step(session, enrollment, campaign, sequence, prospect, mailbox, now)
            is not None
        )
    return queued


def set_state(engine: Engine, name: str, state: str, reason: str | None = None) -> Campaign:
    """Pause, resume (→ active) or archive a started campaign."""
    allowed = {"paused": ("active",), "active": ("paused",), "archived": STATES}
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        if campaign.state not in allowed[state]:
            raise ConfigError(f"campaign {name!r} is {campaign.state}; it cannot become {state}")
        campaign.state = state
        campaign.pause_reason = reason if state == "paused" else None
        session.add(campaign)
        session.add(
            Event(kind=f"campaign_{state}", campaign_id=campaign.id, data={"reason": reason})
        )
    return campaign


def pending_send(session: Session, enrollment_id: int) -> Send | None:
    return session.exec(
        select(Send).where(
            Send.enrollment_id == enrollment_id, col(Send.state).in_(("scheduled", "deferred"))
        )
    ).first()
