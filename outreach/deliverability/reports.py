"""``outreach report``: what a campaign did, overall or by step, variant, mailbox or day.

Definitions (the same in every grouping):
- sent: messages handed to the server (accepted, or refused there with a 5xx)
- bounced_hard / bounced_soft: sends that bounced for good (SMTP 5xx, or a final DSN);
  delay warnings do not count
- delivered: sent − bounced
- replied / unsubscribed / auto_replies: prospects who did so, counted once each, at the
  step they answered (the last one sent before their mail arrived)
- reply_rate: replied / contacted (prospects who got a message in the group)
- in_progress: prospects still active or paused (by campaign, mailbox and the next step)
By day, sends count on the day sent and answers on the day they arrived (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach.campaigns.service import get_campaign
from outreach.deliverability.report_data import (
    LIVE,
    EnrollmentFact,
    Outcome,
    ReportData,
    SendFact,
    load_report_data,
)
from outreach.store.models import Campaign

GROUPINGS = ("campaign", "step", "variant", "mailbox", "day")


@dataclass(frozen=True)
class ReportRow:
    """One line of a report."""

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
                "rows": [row.as_dict() for row in self.rows]}


def _send_key(by: str) -> Callable[[SendFact], str]:
    keys: dict[str, Callable[[SendFact], str]] = {
        "campaign": lambda s: s.campaign,
        "step": lambda s: f"step {s.step + 1}",
        "variant": lambda s: f"step {s.step + 1} {chr(65 + s.variant)}",
        "mailbox": lambda s: s.mailbox,
    }
    return keys[by]


def _outcome_key(by: str) -> Callable[[Outcome], str]:
    if by == "day":
        return lambda o: o.at.date().isoformat()
    send_key = _send_key(by)
    return lambda o: send_key(o.send)


def _enrollment_key(by: str) -> Callable[[EnrollmentFact], str] | None:
    keys: dict[str, Callable[[EnrollmentFact], str]] = {
        "campaign": lambda e: e.campaign,
        "step": lambda e: f"step {e.next_step + 1}",
        "mailbox": lambda e: e.mailbox,
    }
    return keys.get(by)


def row_for(group: str, sends: list[SendFact], outcomes: list[Outcome],
            enrollments: list[EnrollmentFact] | None) -> ReportRow:
    """The numbers of one group (pure)."""
    bounced = {kind: len({o.send.id for o in outcomes if o.kind == kind})
               for kind in ("bounce_hard", "bounce_soft")}
    people = {kind: len({o.send.enrollment_id for o in outcomes if o.kind == kind})
              for kind in ("reply", "unsubscribe", "auto_reply")}
    contacted = len({s.enrollment_id for s in sends})
    return ReportRow(
        group, len(sends), len(sends) - sum(bounced.values()), contacted, people["reply"],
        round(people["reply"] / contacted, 4) if contacted else 0.0,
        bounced["bounce_hard"], bounced["bounce_soft"], people["unsubscribe"],
        people["auto_reply"],
        None if enrollments is None else sum(1 for e in enrollments if e.state in LIVE))


def group_rows(data: ReportData, by: str) -> list[ReportRow]:
    send_key = (lambda s: s.at.date().isoformat()) if by == "day" else _send_key(by)
    outcome_key, enrollment_key = _outcome_key(by), _enrollment_key(by)
    groups = {send_key(s) for s in data.sends} | {outcome_key(o) for o in data.outcomes}
    if enrollment_key is not None:
        groups |= {enrollment_key(e) for e in data.enrollments if e.state in LIVE}
    return [row_for(g, [s for s in data.sends if send_key(s) == g],
                    [o for o in data.outcomes if outcome_key(o) == g],
                    None if enrollment_key is None else
                    [e for e in data.enrollments if enrollment_key(e) == g])
            for g in sorted(groups, key=_natural)]


def _natural(group: str) -> tuple[int, str]:
    digits = "".join(ch for ch in group.split(" ")[1] if ch.isdigit()) if " " in group else ""
    return (int(digits) if group.startswith("step ") and digits else 0, group)


def build_report(db: Engine, campaign: str | None = None, by: str | None = None) -> Report:
    """The report of one campaign (or of all, one row per campaign by default)."""
    with Session(db) as session:
        if campaign is not None:
            ids = [get_campaign(session, campaign).id]
        else:
            ids = [c.id for c in session.exec(select(Campaign))]
        data = load_report_data(session, [i for i in ids if i is not None])
    by = by or (None if campaign else "campaign")
    rows = tuple(group_rows(data, by)) if by else ()
    total = row_for("total", data.sends, data.outcomes, data.enrollments)
    return Report(campaign, by, rows, total)
