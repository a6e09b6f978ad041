"""The commands behind keys and palette entries: each calls a service or a view command
and returns one sentence saying what it did (run them through the CommandRunner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from outreach import accounts, wording
from outreach.campaigns import enroll, service
from outreach.errors import OutreachError
from outreach.i18n import _, ngettext
from outreach.tui.format import kind_label
from outreach.views.verification import verification_lines
from outreach.watcher import triage


def pause_campaign(db: Engine, name: str) -> str:
    service.set_state(db, name, "paused", wording.BY_HAND_TUI)
    return _("campaign {name} paused: nothing more goes out until you resume it").format(
        name=name
    )


def resume_campaign(db: Engine, name: str) -> str:
    service.set_state(db, name, "active")
    return _("campaign {name} resumed").format(name=name)


def pause_mailbox(db: Engine, email: str) -> str:
    accounts.set_paused(db, email, True, wording.BY_HAND_TUI)
    return _("mailbox {email} paused").format(email=email)


def resume_mailbox(db: Engine, email: str) -> str:
    accounts.set_paused(db, email, False)
    return _("mailbox {email} resumed").format(email=email)


def suppress(db: Engine, email: str) -> str:
    stopped = enroll.suppress_address(db, email)
    if not stopped:
        return _("{email} suppressed").format(email=email)
    return ngettext(
        "{email} suppressed; {count} live enrollment stopped",
        "{email} suppressed; {count} live enrollments stopped",
        stopped,
    ).format(email=email, count=stopped)


def unsuppress(db: Engine, email: str) -> str:
    value = enroll.unsuppress_address(db, email)
    return _("{email} is no longer suppressed").format(email=value)


def add_to_campaign(
    db: Engine, campaign: str, email: str, now: datetime, include_active: bool = False
) -> str:
    added = enroll.add_to_campaign(db, campaign, email, now, include_active=include_active)
    if not added.enrolled:
        return _("{email} not added to {campaign}: {why}").format(
            email=added.email, campaign=added.campaign, why=added.skipped
        )
    if added.queued:
        said = _("{email} added to {campaign} (from {mailbox}), first email queued")
    else:
        said = _("{email} added to {campaign} (from {mailbox})")
    return said.format(email=added.email, campaign=added.campaign, mailbox=added.mailbox)


def reclassify(db: Engine, inbound_id: int, kind: str, now: datetime) -> str:
    done = triage.reclassify(db, inbound_id, kind, now)
    if done.was == done.kind:
        return _("already {kind}: nothing changed").format(kind=kind_label(kind))
    effects = "; ".join(done.actions) or _("no further effect")
    return f"{kind_label(done.was)} → {kind_label(done.kind)}: {effects}"


def mark_interest(db: Engine, inbound_id: int, interest: str | None) -> str:
    triage.mark_interest(db, inbound_id, interest)
    if interest == "interested":
        return _("marked interested")
    if interest == "not_interested":
        return _("marked not interested")
    return _("marked undecided")


@dataclass(frozen=True)
class StartOutcome:
    """What starting a campaign from the TUI did: the address check, then the start."""

    checked: list[str]
    """The lines ``outreach campaign start`` prints for the address check (empty: none)."""
    queued: int
    error: str | None = None
    """Why it did not start (the campaign stays a draft), as the CLI says it."""

    @property
    def said(self) -> str:
        if self.error:
            return self.error
        return ngettext(
            "campaign started: {count} first email queued",
            "campaign started: {count} first emails queued",
            self.queued,
        ).format(count=self.queued)


def verify_and_start(db: Engine, name: str, now: datetime, verify: bool = True) -> StartOutcome:
    """``outreach campaign start NAME``: check the addresses (DNS), then start; a campaign
    that would send nothing is refused and stays a draft."""
    checked: list[str] = []
    try:
        if verify:
            from outreach.campaigns.verify import verify_enrollments

            service.require_draft(db, name)
            checked = verification_lines(verify_enrollments(db, name))
        queued = service.start_campaign(db, name, now)
    except OutreachError as exc:
        return StartOutcome(checked, 0, str(exc))
    return StartOutcome(checked, queued)


def complete_task(db: Engine, task_id: int, outcome: str, now: datetime) -> str:
    """Record a task's outcome (the Tasks screen's m / v / k keys)."""
    from outreach.i18n import _
    from outreach.lifecycle import Cause
    from outreach.lifecycle.tasks import complete_task as record_outcome
    from outreach.states import TaskOutcome
    from outreach.store import session_scope
    from outreach.views.tasks import outcome_label

    with session_scope(db) as session:
        record_outcome(session.connection(), task_id, TaskOutcome(outcome), None, Cause("tui"),
                       now)  # fmt: skip
    return _("task {id}: {outcome}").format(id=task_id, outcome=outcome_label(outcome))
