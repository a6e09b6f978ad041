"""The inbox's read model: classified inbound messages, newest first, and their effects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from outreach.lifecycle.values import pending_review
from outreach.states import INBOUND_KINDS
from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Prospect
from outreach.views.common import Page, aware, check_page_args

KINDS = INBOUND_KINDS
InboxFilter = Literal["attention", "all", "reply", "auto_reply", "bounce", "unsubscribe", "other"]
FILTERS: tuple[InboxFilter, ...] = (
    "attention",
    "all",
    "reply",
    "auto_reply",
    "bounce",
    "unsubscribe",
    "other",
)


def as_filter(value: str) -> InboxFilter | None:
    """``value`` as an inbox filter, or None when it is not one."""
    return next((f for f in FILTERS if f == value), None)


@dataclass(frozen=True)
class InboxItem:
    """One inbound message as the inbox lists and shows it."""

    id: int
    received_at: datetime | None
    from_addr: str
    subject: str
    kind: str
    """The effective kind: a person's re-classification, else the classifier's."""
    classified_as: str
    """What the classifier said."""
    interest: str | None
    campaign: str | None
    prospect: str | None
    enrollment_state: str | None
    new_text: str
    evidence: str
    caused: tuple[str, ...]
    held: str | None = None
    """Why it was held for review and acted on nothing (None: it acted, or a person has
    re-classified it since)."""

    @property
    def by_hand(self) -> bool:
        return self.kind != self.classified_as


def effective_kind() -> ColumnElement[Any]:
    """SQL for the kind a person chose, else the classifier's."""
    return func.coalesce(col(InboundMessage.manual_kind), col(InboundMessage.kind))


def held_for_review() -> ColumnElement[bool]:
    """A message held for review (see ``details["held"]``) nobody has re-classified yet."""
    held: ColumnElement[str] = col(InboundMessage.details)["held"].as_string()
    return held.is_not(None) & col(InboundMessage.manual_kind).is_(None)


def needs_attention() -> ColumnElement[bool]:
    """A reply nobody marked interested or not, or a message held for review."""
    unread = (effective_kind() == "reply") & col(InboundMessage.interest).is_(None)
    return unread | held_for_review()


def inbox_page(
    db: Engine, which: InboxFilter = "all", *, offset: int = 0, limit: int = 200
) -> Page[InboxItem]:
    """Inbound messages of one filter, newest first."""
    check_page_args(offset, limit)
    where = _filter(which)
    with Session(db) as session:
        total = session.exec(select(func.count()).select_from(InboundMessage).where(*where)).one()
        rows = session.exec(
            _item_query()
            .where(*where)
            .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        caused = effects_of(session, [row[0].id for row in rows if row[0].id is not None])
    items = tuple(
        _item(message, campaign, prospect, state, caused.get(message.id or 0, ()))
        for message, campaign, prospect, state in rows
    )
    return Page(items, total, offset, limit)


def _filter(which: InboxFilter) -> list[ColumnElement[bool]]:
    if which == "all":
        return []
    if which == "attention":
        return [needs_attention()]
    return [effective_kind() == which]


def _item_query() -> Any:
    return (
        select(InboundMessage, Campaign.name, Prospect.email, Enrollment.state)
        .outerjoin(Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id))
        .outerjoin(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
        .outerjoin(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
    )


def effects_of(session: Session, ids: list[int]) -> dict[int, tuple[str, ...]]:
    """What each inbound message did, in words, from the events it caused (enrollments
    replied, stopped, paused …; re-classifications by hand)."""
    rows = session.exec(
        select(Event.inbound_id, Event.kind, Prospect.email, Event.data)
        .outerjoin(Prospect, col(Prospect.id) == col(Event.prospect_id))
        .where(col(Event.inbound_id).in_(ids), col(Event.kind).not_in(KINDS))
        .order_by(col(Event.id))
    ).all()
    caused: dict[int, list[str]] = {}
    for inbound_id, kind, email, data in rows:
        caused.setdefault(inbound_id or 0, []).append(_effect_text(kind, email, data))
    return {key: tuple(value) for key, value in caused.items()}


def _effect_text(kind: str, email: str | None, data: Mapping[str, Any]) -> str:
    who = email or "?"
    if kind == "paused" and data.get("resume_at"):
        return f"{who} paused until {str(data['resume_at'])[:10]}"
    if kind == "reclassified":
        was, to = (str(data.get(k, "?")).replace("_", "-") for k in ("was", "to"))
        return f"re-classified by hand: {was} → {to}"
    if kind == "reopened":
        return f"{who}: the earlier verdict ({data.get('was', '?')}) undone"
    if kind == "held":
        return f"held for review, nothing done: {data.get('reason', '?')}"
    if kind == "interest":
        return f"marked {str(data.get('interest') or 'undecided').replace('_', ' ')} by hand"
    reason = data.get("reason")
    return f"{who} {kind.replace('_', ' ')}" + (f" ({reason})" if reason else "")


def _item(
    row: InboundMessage,
    campaign: str | None,
    prospect: str | None,
    state: str | None,
    caused: tuple[str, ...],
) -> InboxItem:
    return InboxItem(
        id=row.id or 0,
        received_at=aware(row.received_at or row.created_at),
        from_addr=row.from_addr or "?",
        subject=row.subject or "",
        kind=row.manual_kind or row.kind,
        classified_as=row.kind,
        interest=row.interest,
        campaign=campaign,
        prospect=prospect,
        enrollment_state=state,
        new_text=(row.new_text or "").strip(),
        evidence=str(row.details.get("evidence", "")),
        caused=caused,
        held=pending_review(row.details, row.manual_kind),
    )
