"""The inbox's read model: classified inbound messages, newest first, and their effects;
replies as a triage queue (unhandled first) with what each means."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import Engine, case, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from outreach import wording
from outreach.i18n import _, full_date, pgettext
from outreach.lifecycle.values import pending_review
from outreach.states import INBOUND_KINDS, EventKind
from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Prospect
from outreach.views.common import Page, aware, check_page_args

KINDS = INBOUND_KINDS
InboxFilter = Literal[
    "to_answer", "attention", "all", "reply", "auto_reply", "bounce", "unsubscribe", "other"
]
FILTERS: tuple[InboxFilter, ...] = (
    "to_answer",
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
    intent: str | None = None
    """A reply's intent: a person's, else the classifier's (None: not a reply)."""
    classified_intent: str | None = None
    intent_until: date | None = None
    referral: tuple[str, ...] = ()
    confidence: float | None = None
    needs_review: bool = False
    """The classifier was unsure and nobody has accepted or corrected it yet."""
    why: tuple[str, ...] = ()
    quoted: str = ""
    """The quoted rest of a reply (what we sent, mostly)."""
    snoozed_until: date | None = None
    handled: bool = False
    """A person marked the reply handled."""
    proposed: tuple[str, ...] = ()
    """Referrals this reply proposed as new prospects."""
    enrolled: tuple[str, ...] = ()
    """Proposed referrals the rep has enrolled since."""
    prospect_id: int | None = None

    @property
    def by_hand(self) -> bool:
        return self.kind != self.classified_as

    @property
    def intent_by_hand(self) -> bool:
        return self.intent != self.classified_intent


def effective_kind() -> ColumnElement[Any]:
    """SQL for the kind a person chose, else the classifier's."""
    return func.coalesce(col(InboundMessage.manual_kind), col(InboundMessage.kind))


def held_for_review() -> ColumnElement[bool]:
    """A message held for review (see ``details["held"]``) nobody has re-classified yet."""
    held: ColumnElement[str] = col(InboundMessage.details)["held"].as_string()
    return held.is_not(None) & col(InboundMessage.manual_kind).is_(None)


def effective_intent() -> ColumnElement[Any]:
    """SQL for the intent a person chose, else the classifier's."""
    return func.coalesce(col(InboundMessage.manual_intent), col(InboundMessage.intent))


def to_answer(today: date) -> ColumnElement[bool]:
    """A reply nobody marked handled, not snoozed past ``today``."""
    awake = col(InboundMessage.snoozed_until).is_(None) | (
        col(InboundMessage.snoozed_until) <= today
    )
    return (effective_kind() == "reply") & col(InboundMessage.triaged_at).is_(None) & awake


def needs_attention() -> ColumnElement[bool]:
    """A reply nobody marked interested or not, or a message held for review."""
    unread = (effective_kind() == "reply") & col(InboundMessage.interest).is_(None)
    return unread | held_for_review()


def inbox_page(
    db: Engine,
    which: InboxFilter = "all",
    *,
    offset: int = 0,
    limit: int = 200,
    today: date | None = None,
) -> Page[InboxItem]:
    """Inbound messages of one filter, newest first; replies still to answer (``today``:
    the day snoozes are measured against) come before the rest."""
    check_page_args(offset, limit)
    today = today or datetime.now(UTC).date()
    where = _filter(which, today)
    waiting = case((to_answer(today), 0), else_=1)
    with Session(db) as session:
        total = session.exec(select(func.count()).select_from(InboundMessage).where(*where)).one()
        rows = session.exec(
            _item_query()
            .where(*where)
            .order_by(waiting, col(InboundMessage.received_at).desc(),
                      col(InboundMessage.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()  # fmt: skip
        ids = [row[0].id for row in rows if row[0].id is not None]
        caused = effects_of(session, ids)
        referrals = referrals_of(session, ids)
    items = tuple(
        _item(message, campaign, prospect, enrollment.state if enrollment else None,
              caused.get(message.id or 0, ()), referrals.get(message.id or 0, ((), ())),
              enrollment.prospect_id if enrollment else None)
        for message, campaign, prospect, enrollment in rows
    )  # fmt: skip
    return Page(items, total, offset, limit)


def referrals_of(
    session: Session, ids: list[int]
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per reply: the referrals it proposed, and those of them enrolled since."""
    kinds = (EventKind.REFERRAL_PROPOSED, EventKind.REFERRAL_ENROLLED)
    rows = session.exec(
        select(Event.inbound_id, Event.kind, Event.data)
        .where(col(Event.inbound_id).in_(ids), col(Event.kind).in_(kinds))
        .order_by(col(Event.id))
    ).all()
    found: dict[int, tuple[list[str], list[str]]] = {}
    for inbound_id, kind, data in rows:
        lists = found.setdefault(inbound_id or 0, ([], []))
        lists[kind == EventKind.REFERRAL_ENROLLED].append(str(data.get("email")))
    return {
        key: (tuple(dict.fromkeys(p)), tuple(dict.fromkeys(e))) for key, (p, e) in found.items()
    }


def _filter(which: InboxFilter, today: date) -> list[ColumnElement[bool]]:
    if which == "all":
        return []
    if which == "to_answer":
        return [to_answer(today)]
    if which == "attention":
        return [needs_attention()]
    return [effective_kind() == which]


def _item_query() -> Any:
    return (
        select(InboundMessage, Campaign.name, Prospect.email, Enrollment)
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
        return _("{who} paused until {day}").format(who=who, day=_day(data["resume_at"]))
    if kind == "reclassified":
        was, to = (wording.message_kind(data.get(k, "?")) for k in ("was", "to"))
        return _("re-classified by hand: {was} → {to}").format(was=was, to=to)
    if kind == "reopened":
        return _("{who}: the earlier verdict ({was}) undone").format(
            who=who, was=wording.state(data.get("was", "?"))
        )
    if kind == "held":
        return _("held for review, nothing done: {reason}").format(
            reason=wording.held(data.get("reason", "?")))
    if kind == "interest":
        interest = data.get("interest")
        return _("marked {interest} by hand").format(
            interest=_interest(interest) if interest else _("undecided")
        )
    if kind == "referral_proposed":
        return _("{email} proposed as a new prospect (enroll to confirm)").format(
            email=data.get("email", "?")
        )
    if kind == "referral_enrolled":
        return _("{email} enrolled (referral confirmed)").format(email=data.get("email", "?"))
    if kind == "intent_corrected":
        was, to = (wording.intent(data.get(k) or "?") for k in ("was", "to"))
        return _("intent set by hand ({by}): {was} → {to}").format(
            by=data.get("by", "?"), was=was, to=to
        )
    if kind == "triaged":
        actions = {"handled": _("handled"), "back in the queue": _("back in the queue")}
        action = actions.get(str(data.get("action")), str(data.get("action", "?")))
        if data.get("until"):
            return _("{action} by hand until {day}").format(
                action=action, day=_day(data["until"])
            )
        return _("{action} by hand").format(action=action)
    reason = data.get("reason")
    text = _("{who} {what}").format(who=who, what=wording.event_kind(kind))
    return text + (f" ({wording.reason(reason)})" if reason else "")


def _held(reason: str | None) -> str | None:
    return None if reason is None else wording.held(reason)


def _day(value: object) -> str:
    """A stored ISO date or time as a date in the rep's format (as it is when unreadable)."""
    try:
        return full_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _interest(value: object) -> str:
    interests = {
        "interested": pgettext("interest", "interested"),
        "not_interested": pgettext("interest", "not interested"),
        "undecided": pgettext("interest", "undecided"),
    }
    return interests.get(str(value), str(value).replace("_", " "))


def _item(
    row: InboundMessage,
    campaign: str | None,
    prospect: str | None,
    state: str | None,
    caused: tuple[str, ...],
    referrals: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    prospect_id: int | None = None,
) -> InboxItem:
    reply = (row.manual_kind or row.kind) == "reply"
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
        evidence=wording.evidence(row.details.get("evidence", "")),
        caused=caused,
        held=_held(pending_review(row.details, row.manual_kind)),
        intent=(row.manual_intent or row.intent) if reply else None,
        classified_intent=row.intent if reply else None,
        intent_until=row.intent_until,
        referral=tuple(row.referral or ()),
        confidence=row.intent_confidence,
        needs_review=row.needs_review and row.manual_intent is None,
        why=tuple(wording.why(reason) for reason in row.intent_why or ()),
        quoted=str(row.details.get("quoted", "")),
        snoozed_until=row.snoozed_until,
        handled=row.triaged_at is not None,
        proposed=referrals[0],
        enrolled=referrals[1],
        prospect_id=prospect_id,
    )
