"""``outreach report``: what a campaign did, overall or by step, variant, mailbox or day.

The numbers and their definitions are the read model's (:mod:`outreach.views.numbers`),
the same the TUI and ``status`` show; this module only names the rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.campaigns.rows import get_campaign
from outreach.views.numbers import Dimension, Numbers, campaign_numbers, label

GROUPINGS = ("campaign", "step", "variant", "mailbox", "day")
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    campaign: str | None
    by: str | None
    rows: tuple[ReportRow, ...]
    total: ReportRow

    def as_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "by": self.by, "total": self.total.as_dict(),
                "rows": [row.as_dict() for row in self.rows]}  # fmt: skip


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
    dims = DIMENSIONS[by] if by else ()
    scope = None if campaign is None else [campaign]
    grouped, whole = campaign_numbers(db, [dims, ()], campaigns=scope)
    rows = tuple(report_row(label(dims, key), n) for key, n in grouped.items()) if by else ()
    return Report(campaign, by, rows, report_row("total", whole.get((), Numbers())))
