"""``campaign update``: move a running campaign to an edited sequence, impact shown first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach.campaigns.rows import get_campaign
from outreach.errors import ValidationFailed
from outreach.i18n import _
from outreach.lifecycle.campaigns import requeue_for_sequence
from outreach.lifecycle.snapshots import campaign_sequence
from outreach.sequences import Sequence, load_sequence, sequence_hash, to_snapshot
from outreach.states import LIVE
from outreach.store import session_scope
from outreach.store.models import Enrollment, utcnow


@dataclass
class SequenceChange:
    """What an edited sequence changes for a campaign already under way."""

    steps: list[str] = field(default_factory=list)
    in_flight: int = 0
    affected: dict[int, int] = field(default_factory=dict)  # step index → enrollments ahead
    cancelled: int = 0

    @property
    def empty(self) -> bool:
        return not self.steps


def describe_changes(old: Sequence, new: Sequence) -> list[str]:
    lines = []
    for index in range(max(len(old.steps), len(new.steps))):
        label = f"step {index + 1}"
        if index >= len(new.steps):
            lines.append(f"{label}: removed")
        elif index >= len(old.steps):
            lines.append(f"{label}: added")
        elif old.steps[index] != new.steps[index]:
            what = [
                name
                for name in ("wait", "variants", "new_thread", "task", "when")
                if getattr(old.steps[index], name) != getattr(new.steps[index], name)
            ]
            lines.append(f"{label}: {', '.join(what)} changed")
    for part in ("schedule", "pace", "stop"):
        if getattr(old, part) != getattr(new, part):
            lines.append(f"{part} changed")
    return lines


def kind_changes(old: Sequence, new: Sequence) -> list[str]:
    """Steps that turn from an email into a task or back: a queued row cannot follow."""
    return [f"step {index + 1}" for index, (before, after) in
            enumerate(zip(old.steps, new.steps, strict=False))
            if before.is_task != after.is_task]  # fmt: skip


def update_campaign(db: Engine, name: str, path: Path, *, apply: bool) -> SequenceChange:
    new = load_sequence(path)
    with session_scope(db) as session:
        campaign = get_campaign(session, name)
        old = campaign_sequence(campaign)
        turned = kind_changes(old, new)
        if turned:
            raise ValidationFailed(
                _("{steps}: an email cannot become a task (or a task an email) in a running "
                  "campaign").format(steps=", ".join(turned)),
                hint=_("add the task as a new step, or start a new campaign with the sequence"))
        change = SequenceChange(describe_changes(old, new))
        _impact(session, campaign.id or 0, new, change)
        if not apply or change.empty:
            session.rollback()
            return change
        campaign.sequence, campaign.sequence_hash = to_snapshot(new), sequence_hash(new)
        campaign.sequence_path = str(path)
        session.add(campaign)
        session.flush()
        change.cancelled = requeue_for_sequence(
            session.connection(), campaign.id or 0, new, change.steps, utcnow()
        )
    return change


def _impact(session: Session, campaign_id: int, new: Sequence, change: SequenceChange) -> None:
    rows = session.exec(
        select(Enrollment.next_step, func.count())
        .where(
            Enrollment.campaign_id == campaign_id, col(Enrollment.state).in_(LIVE)
        )
        .group_by(col(Enrollment.next_step))
    ).all()
    change.in_flight = sum(count for _, count in rows)
    for line in change.steps:
        if line.startswith("step "):
            index = int(line.split()[1].rstrip(":")) - 1
            change.affected[index] = sum(c for step, c in rows if step <= index)
