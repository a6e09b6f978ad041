"""The rep's task list: task steps (call, LinkedIn, custom) that are due, or all of them.

Read only. Tasks open when the lifecycle settles them (the watcher does each beat; the
task commands and screen do before they read). Overdue: due before today began (in the
mailbox's day, as its daily cap counts). The counts shown elsewhere come from
:func:`outreach.views.numbers.task_counts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, select

from outreach.i18n import N_, _
from outreach.lifecycle.zones import mailbox_zone
from outreach.states import TaskState
from outreach.store.models import as_utc
from outreach.store.repository import CAMPAIGN, MAILBOX, PROSPECT, TASK
from outreach.views.common import aware, start_of_day

Which = Literal["due", "all"]
_WAITING = (TaskState.OPEN, TaskState.SCHEDULED)

OUTCOME_LABELS = {"reached": N_("reached"), "no_answer": N_("no answer"),
                  "skipped": N_("skipped")}  # fmt: skip
"""An outcome as the rep reads it (translated where shown)."""
STATE_LABELS = {
    "scheduled": N_("scheduled"), "open": N_("due"), "done": N_("done"),
    "expired": N_("expired"), "skipped": N_("skipped (condition)"),
    "cancelled": N_("cancelled"),
}  # fmt: skip


def outcome_label(outcome: str | None) -> str:
    """``no_answer`` → "no answer" (or "nicht erreicht"); '' for none."""
    return "" if outcome is None else _(OUTCOME_LABELS.get(outcome, outcome))


def state_label(state: str) -> str:
    """A task's state in the rep's words (``open`` → "due")."""
    return _(STATE_LABELS.get(state, state))


_PHONE_KEYS = re.compile(r"(phone|telefon|tel|mobil|mobile|handy|fon)", re.IGNORECASE)


@dataclass(frozen=True)
class TaskRow:
    """One task as the rep's list shows it."""

    id: int
    state: str
    kind: str
    """call | linkedin | custom"""
    step: int
    """1-based step of the sequence."""
    campaign: str
    mailbox: str
    """The rep's mailbox that owns the task."""
    prospect_id: int
    email: str
    name: str
    company: str
    phone: str | None
    """The prospect's phone number when a column holds one (phone, telefon, mobil …)."""
    note: str
    due_at: datetime
    expires_at: datetime | None
    overdue: bool
    """Open (or queued) and due before today began."""
    outcome: str | None
    outcome_note: str | None
    done_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The row for ``--json`` and exports (English keys, ISO times)."""
        return {
            "id": self.id, "state": self.state, "kind": self.kind, "step": self.step,
            "campaign": self.campaign, "mailbox": self.mailbox, "email": self.email,
            "name": self.name, "company": self.company, "phone": self.phone,
            "note": self.note, "due_at": self.due_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "overdue": self.overdue, "outcome": self.outcome,
            "outcome_note": self.outcome_note,
            "done_at": self.done_at.isoformat() if self.done_at else None,
        }  # fmt: skip


def phone_of(fields: dict[str, Any] | None) -> str | None:
    """The first non-blank custom column that names a phone (``phone``, ``telefon`` …)."""
    for key, value in (fields or {}).items():
        if _PHONE_KEYS.search(str(key)) and value is not None and str(value).strip():
            return str(value).strip()
    return None


_COLUMNS = (
    TASK.c.id, TASK.c.state, TASK.c.kind, TASK.c.step_index, TASK.c.note, TASK.c.due_at,
    TASK.c.expires_at, TASK.c.outcome, TASK.c.outcome_note, TASK.c.done_at,
    TASK.c.prospect_id, CAMPAIGN.c.name.label("campaign"),
    MAILBOX.c.email.label("mailbox"), MAILBOX.c.timezone.label("mailbox_tz"),
    PROSPECT.c.email, PROSPECT.c.first_name, PROSPECT.c.last_name, PROSPECT.c.company,
    PROSPECT.c.fields,
)  # fmt: skip
_FROM = (
    TASK.join(CAMPAIGN, CAMPAIGN.c.id == TASK.c.campaign_id)
    .join(MAILBOX, MAILBOX.c.id == TASK.c.mailbox_id)
    .join(PROSPECT, PROSPECT.c.id == TASK.c.prospect_id)
)


def task_rows(
    db: Engine, now: datetime, *, which: Which = "due", mailbox: str | None = None,
    campaign: str | None = None, prospect_id: int | None = None,
) -> list[TaskRow]:  # fmt: skip
    """The open tasks (``due``: on the rep's list now, oldest first), or every task
    (``all``: by due time); of one mailbox, campaign or prospect when given."""
    query = select(*_COLUMNS).select_from(_FROM).order_by(TASK.c.due_at, TASK.c.id)
    if which == "due":
        query = query.where(TASK.c.state == TaskState.OPEN.value)
    if mailbox is not None:
        query = query.where(MAILBOX.c.email == mailbox.strip().lower())
    if campaign is not None:
        query = query.where(CAMPAIGN.c.name == campaign)
    if prospect_id is not None:
        query = query.where(TASK.c.prospect_id == prospect_id)
    with db.connect() as conn:
        return [_row(row, now) for row in conn.execute(query)]


def _row(row: Any, now: datetime) -> TaskRow:
    due = as_utc(row.due_at)
    today = start_of_day(now, mailbox_zone(_Zone(row.mailbox_tz)))
    name = " ".join(p for p in (row.first_name, row.last_name) if p)
    return TaskRow(
        row.id, row.state, row.kind, row.step_index + 1, row.campaign, row.mailbox,
        row.prospect_id, row.email, name, row.company or "", phone_of(row.fields), row.note,
        due, aware(row.expires_at), row.state in _WAITING and due < today,
        row.outcome, row.outcome_note, aware(row.done_at),
    )  # fmt: skip


@dataclass(frozen=True)
class _Zone:
    timezone: str | None
