"""Campaign lifecycle: create (enroll), start (preflight + queue step 1), pause, resume, archive.

The CLI and the TUI call these; they take an engine and return plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func
from sqlmodel import Session, col, select

from outreach import accounts, wording
from outreach.addresses import check_header_text, wire_address
from outreach.campaigns.rows import get_campaign
from outreach.errors import ConfigError, ValidationFailed
from outreach.i18n import _, ngettext
from outreach.lifecycle.campaigns import mark_started, set_campaign_state
from outreach.lifecycle.enrolling import Candidate, Skipped, enroll, queue_first_steps, screen
from outreach.lifecycle.retrying import RETRYABLE, retry_deferred, retry_failed
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.planner.assign import assign_mailboxes
from outreach.prospects.queries import get_prospect
from outreach.sequences import Sequence, load_sequence, missing_fields, sequence_hash, to_snapshot
from outreach.sequences.prospect import display_name, prospect_fields
from outreach.sequences.render import render_note, render_step
from outreach.states import LIVE, RUNNING, CampaignState
from outreach.store import session_scope
from outreach.store.models import (
    Campaign,
    CampaignMailbox,
    Enrollment,
    Mailbox,
    Prospect,
    ProspectTag,
    Send,
    row_id,
    utcnow,
)

STATES = tuple(CampaignState)


@dataclass(frozen=True)
class Enrolled:
    """What ``campaign create`` (or adding prospects) did."""

    campaign: str
    enrolled: int
    suppressed: list[str] = field(default_factory=list)
    per_mailbox: dict[str, int] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    """Every prospect not enrolled, with why (suppressed, live in another campaign …)."""
    queued: int = 0
    """First steps queued at once (prospects added to a running campaign)."""


def create_campaign(
    engine: Engine,
    name: str,
    sequence_path: Path,
    mailbox_emails: list[str],
    *,
    tags: list[str] | None = None,
    all_prospects: bool = False,
    include_active: bool = False,
    now: datetime | None = None,
    emails: list[str] | None = None,
) -> Enrolled:
    """A draft campaign with its prospects enrolled and each given a mailbox (sticky).

    The prospects: those with any of ``tags``, or ``all_prospects``, or exactly ``emails``
    (the TUI's choice by tag and search)."""
    if not name.strip():
        raise ConfigError(_("a campaign needs a name"))
    if not mailbox_emails:
        raise ConfigError(_("give at least one --mailbox to send from"))
    if not tags and not all_prospects and not emails:
        raise ConfigError(_("choose prospects with --tag T (repeatable) or --all"))
    sequence = load_sequence(sequence_path)
    with session_scope(engine) as session:
        if session.exec(select(Campaign).where(Campaign.name == name)).first():
            raise ConfigError(_("campaign {name} exists already").format(name=repr(name)),
                              hint=_("pick another name"))
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
        prospects = (
            [get_prospect(session, email) for email in emails]
            if emails
            else _select_prospects(session, tags)
        )
        return _enroll(
            session, campaign, mailboxes, prospects, include_active, now or utcnow(), queue=False
        )


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
    session: Session,
    campaign: Campaign,
    mailboxes: list[Mailbox],
    prospects: list[Prospect],
    include_active: bool,
    now: datetime,
    *,
    queue: bool,
    source: str | None = None,
) -> Enrolled:
    """Screen ``prospects`` (the lifecycle's guards), give each a mailbox, enroll them."""
    conn = session.connection()
    candidates = [Candidate(row_id(p.id), p.email) for p in prospects]
    screened = screen(conn, row_id(campaign.id), candidates, include_active=include_active)
    eligible = [c.id for c in screened.eligible]
    capacity = {box.email: box.daily_cap for box in mailboxes}
    assignment = assign_mailboxes(eligible, capacity, _live_load(session))
    box_ids = {box.email: row_id(box.id) for box in mailboxes}
    mailbox_of = {pid: box_ids[assignment[pid]] for pid in eligible}
    ids = enroll(conn, row_id(campaign.id), mailbox_of, now, queue=queue, source=source)
    per_mailbox = {email: list(assignment.values()).count(email) for email in capacity}
    suppressed = sorted(s.email for s in screened.skipped if s.why == "suppressed")
    queued = _queued(conn, ids) if queue else 0
    return Enrolled(
        campaign.name, len(eligible), suppressed, per_mailbox, list(screened.skipped), queued
    )


def _queued(conn: Connection, enrollment_ids: list[int]) -> int:
    if not enrollment_ids:
        return 0
    query = select(func.count()).where(col(Send.enrollment_id).in_(enrollment_ids))
    return int(conn.execute(query).scalar_one())


def add_prospects(
    engine: Engine,
    name: str,
    emails: list[str],
    *,
    include_active: bool = False,
    source: str = "cli",
    now: datetime | None = None,
) -> Enrolled:
    """Enroll more prospects in a draft, active or paused campaign (in a running one their
    first step is queued at once), under the same guards as ``campaign create``."""
    now = now or utcnow()
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        if campaign.state == "archived":
            raise ConfigError(_("campaign {name} is archived").format(name=repr(name)),
                              hint=_("pick a live campaign"))
        prospects = [get_prospect(session, email) for email in emails]
        mailboxes = list(
            session.exec(
                select(Mailbox)
                .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
                .where(CampaignMailbox.campaign_id == campaign.id)
                .order_by(col(Mailbox.email))
            )
        )
        if not mailboxes:
            raise ConfigError(
                _("campaign {name} has no mailbox to send from").format(name=repr(name)))
        running = campaign.state in RUNNING
        return _enroll(
            session, campaign, mailboxes, prospects, include_active, now,
            queue=running, source=source,
        )  # fmt: skip


def _live_load(session: Session) -> dict[str, int]:
    """Live enrollments per mailbox across all campaigns (for balancing new ones)."""
    rows = session.exec(
        select(Mailbox.email, func.count())
        .join(Enrollment, col(Enrollment.mailbox_id) == col(Mailbox.id))
        .where(col(Enrollment.state).in_(LIVE))
        .group_by(col(Mailbox.email))
    )
    return dict(rows.all())


def preflight(session: Session, campaign: Campaign) -> list[str]:
    """Every enrolled prospect must render every step and fit the headers; every mailbox's
    name must fit the From header; returns one line per failure."""
    sequence = campaign_sequence(campaign)
    failures = _mailbox_problems(session, campaign)
    rendered_one = False
    for prospect in _enrolled_prospects(session, campaign):
        problem = _header_problem(prospect)
        if problem is not None:
            failures.append(problem)
            continue
        fields = prospect_fields(prospect)
        missing = missing_fields(sequence, fields)
        if missing:
            failures.append(_("{email}: no value for {fields}").format(
                email=prospect.email, fields=", ".join(sorted(missing))))
        elif not rendered_one:  # one full render catches runtime template errors
            failures += _render_all(sequence, fields)
            rendered_one = True
    return failures


def _header_problem(prospect: Prospect) -> str | None:
    """What would fail every send to ``prospect`` in the headers (imported before the
    import checked it): a name with a line break, an address that cannot be written."""
    try:
        check_header_text(display_name(prospect) or "", "name")
        wire_address(prospect.email)
    except ConfigError as exc:
        return _("{email}: {problem} (fix it and import the prospect again)").format(
            email=prospect.email, problem=exc.message)
    return None


def _mailbox_problems(session: Session, campaign: Campaign) -> list[str]:
    boxes = session.exec(
        select(Mailbox)
        .join(CampaignMailbox, col(CampaignMailbox.mailbox_id) == col(Mailbox.id))
        .where(CampaignMailbox.campaign_id == campaign.id)
    )
    problems: list[str] = []
    for box in boxes:
        try:
            check_header_text(box.display_name or "", "display name")
            wire_address(box.email)
        except ConfigError as exc:
            problems.append(
                _("mailbox {email}: {problem} (fix it with `{command}`)").format(
                    email=box.email, problem=exc.message,
                    command=f"outreach mailbox edit {box.email} --name …")
            )
    return problems


def _render_all(sequence: Sequence, fields: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for step in sequence.steps:
        if step.task is not None:
            try:
                render_note(sequence, step.index, fields)
            except ValidationFailed as exc:
                failures.append(f"{fields['email']}: {exc}")
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

    Raises:
        ConfigError: the campaign is not a draft, or it would send nothing (every
            enrollment ended, e.g. invalid): it stays a draft.
        ValidationFailed: a prospect or a step would fail its sends.
    """
    now = now or utcnow()
    if verify:
        from outreach.campaigns.verify import verify_enrollments

        require_draft(engine, name)
        verify_enrollments(engine, name)
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        _check_draft(campaign)
        failures = preflight(session, campaign)
        if failures:
            raise ValidationFailed(
                ngettext("campaign {name} cannot start: {count} problem would fail sends",
                         "campaign {name} cannot start: {count} problems would fail sends",
                         len(failures)).format(name=repr(name), count=len(failures)),
                failures[:200],
                hint=_('fix the prospects\' fields or add `| default("…")` to the template'),
            )
        conn = session.connection()
        queued = queue_first_steps(conn, row_id(campaign.id), now)
        if queued == 0:
            raise _nothing_to_send(session, campaign)
        mark_started(conn, row_id(campaign.id), queued, now)
    return queued


def require_draft(engine: Engine, name: str) -> None:
    """Raises ConfigError unless campaign ``name`` is a draft (only a draft can start)."""
    with Session(engine) as session:
        _check_draft(get_campaign(session, name))


def _check_draft(campaign: Campaign) -> None:
    if campaign.state != "draft":
        raise ConfigError(
            _("campaign {name} is {state}, not a draft").format(
                name=repr(campaign.name), state=wording.state(campaign.state)),
            hint=_("use `campaign resume` for a paused one"),
        )


def _nothing_to_send(session: Session, campaign: Campaign) -> ConfigError:
    """The error of a start that would queue nothing, with the enrollments' states."""
    rows = session.exec(
        select(Enrollment.state, func.count())
        .where(Enrollment.campaign_id == campaign.id)
        .group_by(col(Enrollment.state))
    )
    states = ", ".join(
        f"{count} {wording.state(state)}" for state, count in sorted(rows.all())
    )
    return ConfigError(
        _("campaign {name} not started: it would send nothing (enrollments: {states}); "
          "it stays a draft").format(name=repr(campaign.name), states=states or _("none")),
        hint=_("fix or replace the prospects (`{show}` lists why each ended); if DNS was "
               "wrong, `{verify}` checks the addresses again").format(
            show=f"outreach campaign show {campaign.name}",
            verify=f"outreach campaign verify {campaign.name}"),
    )


def set_state(engine: Engine, name: str, state: str, reason: str | None = None) -> Campaign:
    """Pause, resume (→ active) or archive a started campaign."""
    allowed = {"paused": ("active",), "active": ("paused",), "archived": STATES}
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        if campaign.state not in allowed[state]:
            raise ConfigError(_("campaign {name} is {state}; it cannot become {target}").format(
                name=repr(name), state=wording.state(campaign.state),
                target=wording.state(state)))
        set_campaign_state(session.connection(), row_id(campaign.id), state, reason, utcnow())
        session.refresh(campaign)
    return campaign


def retry_campaign(
    engine: Engine, name: str, state: str = "failed", now: datetime | None = None
) -> dict[str, object]:
    """Re-queue a started campaign's ``failed`` enrollments and sends (or make its
    ``deferred`` sends due now), after the cause was fixed; returns what was re-queued."""
    if state not in RETRYABLE:
        raise ConfigError(_("--state must be one of {choices}, not {value}").format(
            choices=", ".join(RETRYABLE), value=repr(state)))
    now = now or utcnow()
    with session_scope(engine) as session:
        campaign = get_campaign(session, name)
        if campaign.state not in RUNNING:
            raise ConfigError(
                _("campaign {name} is {state}: only a started, unarchived campaign can "
                  "retry").format(name=repr(name), state=wording.state(campaign.state)),
            )
        conn = session.connection()
        retry = retry_failed if state == "failed" else retry_deferred
        retried = retry(conn, row_id(campaign.id), now)
    return {
        "campaign": name,
        "state": state,
        "campaign_state": campaign.state,
        "enrollments": retried.enrollments,
        "sends": retried.sends,
    }
