"""``outreach report``: what a campaign did, overall or by step, variant, mailbox or day.

The numbers and their definitions are the read model's (:mod:`outreach.views.numbers`),
the same the TUI and ``status`` show; this module only names the rows.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.campaigns.rows import get_campaign
from outreach.i18n import _, pgettext
from outreach.store.models import Campaign
from outreach.views.numbers import (
    Dimension,
    IntentCount,
    Numbers,
    TaskNumbers,
    campaign_numbers,
    label,
    replies_by_intent,
    share,
    task_numbers_by_step,
)

GROUPINGS = ("campaign", "step", "variant", "mailbox", "day", "intent")
DIMENSIONS: dict[str, tuple[Dimension, ...]] = {
    "campaign": ("campaign",),
    "step": ("step",),
    "variant": ("step", "variant"),
    "mailbox": ("mailbox",),
    "day": ("day",),
}


@dataclass(frozen=True)
class ReportRow:
    """One line of a report (``reply_rate``: replied as a share of contacted)."""

    group: str
    sent: int
    delivered: int
    contacted: int
    replied: int
    reply_rate: float
    bounced_hard: int
    bounced_soft: int
    unsubscribed: int
    auto_replies: int
    in_progress: int | None
    subject: str | None = None
    """By variant: the variant's subject as the sequence writes it (None: a reply in the
    thread, or a step no campaign in the report has)."""

    def as_dict(self) -> dict[str, Any]:
        fields = asdict(self)
        return {"group": fields.pop("group"), "subject": fields.pop("subject"), **fields}

    @property
    def title(self) -> str:
        """The group as a person reads it: ``step 1 A “Kurze Frage zu {{ company }}”``
        (``Schritt 1 A …`` in German; ``group`` itself stays as ``--json`` gives it)."""
        shown = group_title(self.group)
        return f"{shown} “{self.subject}”" if self.subject else shown


_STEP_GROUP = re.compile(r"^(?P<before>.*?)\bstep (?P<number>\d+)(?P<variant> [A-Z])?$")


def group_title(group: str) -> str:
    """A report group (``total``, ``q1 step 2``, ``step 1 A``) in the rep's language."""
    if group == "total":
        return _("total")
    match = _STEP_GROUP.match(group)
    if match is None:
        return group
    step = pgettext("sequence step", "step {number}").format(number=match["number"])
    return f"{match['before']}{step}{match['variant'] or ''}"


@dataclass(frozen=True)
class TaskReportRow:
    """What the tasks of one task step came to (``report --by step``)."""

    group: str
    """``step 2``, as the email rows name their step."""
    kind: str
    """call | linkedin | custom"""
    due: int
    """Fell due (done or not)."""
    done: int
    reached: int
    no_answer: int
    skipped: int
    """Recorded as skipped, or not done within due_within."""
    cancelled: int
    """A reply (or another end) came first."""
    open: int
    """Due and not done yet."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    campaign: str | None
    by: str | None
    rows: tuple[ReportRow, ...]
    total: ReportRow
    tasks: tuple[TaskReportRow, ...] = ()
    """By step: the task steps (calls, LinkedIn, custom), with their outcomes."""

    def as_dict(self) -> dict[str, Any]:
        found = {"campaign": self.campaign, "by": self.by, "total": self.total.as_dict(),
                 "rows": [row.as_dict() for row in self.rows]}  # fmt: skip
        if self.tasks:
            found["tasks"] = [row.as_dict() for row in self.tasks]
        return found


def report_row(group: str, numbers: Numbers) -> ReportRow:
    """A read-model group as a report line."""
    return ReportRow(
        group, numbers.sent, numbers.delivered, numbers.contacted, numbers.replied,
        round(numbers.reply_rate, 4), numbers.bounced_hard, numbers.bounced_soft,
        numbers.unsubscribed, numbers.auto_replies, numbers.in_progress,
    )  # fmt: skip


def build_report(db: Engine, campaign: str | None = None, by: str | None = None) -> Report:
    """The report of one campaign (or of all, one row per campaign by default)."""
    if campaign is not None:
        with Session(db) as session:
            get_campaign(session, campaign)  # an unknown name is an error, not an empty report
    by = by or (None if campaign else "campaign")
    if by == "intent":
        raise ValueError("replies by intent: use build_intent_report")
    dims = DIMENSIONS[by] if by else ()
    scope = None if campaign is None else [campaign]
    grouped, whole = campaign_numbers(db, [dims, ()], campaigns=scope)
    rows = tuple(report_row(label(dims, key), n) for key, n in grouped.items()) if by else ()
    if by == "variant":
        rows = _with_subjects(db, rows, scope)
    tasks = _task_rows(db, scope) if by == "step" else ()
    return Report(campaign, by, rows, report_row("total", whole.get((), Numbers())), tasks)


def _task_rows(db: Engine, scope: list[str] | None) -> tuple[TaskReportRow, ...]:
    """The task steps' outcomes by step number (campaigns in scope added up)."""
    by_step: dict[int, list[TaskNumbers]] = {}
    for (_campaign, step), numbers in task_numbers_by_step(db, scope).items():
        by_step.setdefault(step, []).append(numbers)
    rows = []
    for step, found in sorted(by_step.items()):
        kinds = sorted({n.kind for n in found})
        rows.append(TaskReportRow(
            f"step {step}", "/".join(kinds), *(sum(getattr(n, field) for n in found) for field in
            ("due", "done", "reached", "no_answer", "skipped", "cancelled", "open")),
        ))  # fmt: skip
    return tuple(rows)


def _with_subjects(
    db: Engine, rows: tuple[ReportRow, ...], scope: list[str] | None
) -> tuple[ReportRow, ...]:
    subjects = variant_subjects(db, scope)
    return tuple(replace(row, subject=subjects.get(row.group)) for row in rows)


def variant_subjects(db: Engine, campaigns: list[str] | None = None) -> dict[str, str]:
    """Each variant's subject by its report group (``step 1 A``), from the sequence the
    campaigns were started with; several campaigns that differ are joined with `` / ``."""
    found: dict[str, list[str]] = {}
    with Session(db) as session:
        query = select(Campaign).order_by(col(Campaign.id))
        if campaigns is not None:
            query = query.where(col(Campaign.name).in_(campaigns))
        for campaign in session.exec(query):
            for group, subject in _snapshot_subjects(campaign.sequence):
                if subject not in found.setdefault(group, []):
                    found[group].append(subject)
    return {group: " / ".join(subjects) for group, subjects in found.items()}


def _snapshot_subjects(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(group, subject) of every variant with a subject of its own in a stored sequence."""
    return [
        (label(("step", "variant"), (index + 1, chr(65 + number))), variant["subject"])
        for index, step in enumerate(snapshot.get("steps", []))
        for number, variant in enumerate(step.get("variants", []))
        if variant.get("subject")
    ]


@dataclass(frozen=True)
class IntentRow:
    """Replies of one intent: how many, their share of all replies, how many still wait
    for an answer and how many for a person's review."""

    intent: str
    replies: int
    share: float
    to_answer: int
    needs_review: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IntentReport:
    campaign: str | None
    rows: tuple[IntentRow, ...]
    total: IntentRow

    def as_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "by": "intent", "total": self.total.as_dict(),
                "rows": [row.as_dict() for row in self.rows]}  # fmt: skip


def build_intent_report(db: Engine, campaign: str | None = None) -> IntentReport:
    """``report --by intent``: the replies of one campaign (or all) by what they mean."""
    if campaign is not None:
        with Session(db) as session:
            get_campaign(session, campaign)
    counts = replies_by_intent(db, campaigns=None if campaign is None else [campaign])
    whole = sum(c.replies for c in counts.values())
    rows = tuple(_intent_row(name, count, whole) for name, count in counts.items())
    total = IntentCount(whole, sum(c.to_answer for c in counts.values()),
                        sum(c.needs_review for c in counts.values()))  # fmt: skip
    return IntentReport(campaign, rows, _intent_row("total", total, whole))


def _intent_row(name: str, count: IntentCount, whole: int) -> IntentRow:
    return IntentRow(name, count.replies, round(share(count.replies, whole), 4),
                     count.to_answer, count.needs_review)  # fmt: skip
