"""Triage by hand: re-classify an inbound message (its effects re-applied), mark interest,
and work a reply's intent: accept it, correct it (its effects re-applied), snooze the
reply until a day, mark it handled.

Re-classifying runs the lifecycle's own rules (:func:`outreach.lifecycle.rules.decide`)
for the new kind and applies them as the watcher does. What this very message had done to
the person's enrollments (ended or paused them) is undone first (queued follow-ups come
back), so an "auto-reply" that was really a reply ends the sequences as replied, and a
"reply" that was really an out-of-office pauses them instead. Suppressions and colleagues
stopped by the first verdict stay as they are (undo those in the Prospects view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.errors import ConfigError, NotFoundError
from outreach.i18n import _
from outreach.lifecycle import Cause, EventKind, Subject
from outreach.lifecycle.ending import reopen_ended_by
from outreach.lifecycle.events import record
from outreach.lifecycle.inbound import apply_actions
from outreach.lifecycle.rules import Action, Situation, decide
from outreach.lifecycle.values import EnrollmentRef, pending_review
from outreach.mailbox.classify import (
    AutoReply,
    Bounce,
    BounceReason,
    Classification,
    FailedRecipient,
    Kind,
)
from outreach.mailbox.classify.intent import IntentResult
from outreach.prospects.freemail import company_domain
from outreach.states import INBOUND_KINDS as KINDS
from outreach.states import INTERESTS, ReplyIntent
from outreach.store import session_scope
from outreach.store.models import (
    Campaign,
    Enrollment,
    InboundMessage,
    Prospect,
    row_id,
    utcnow,
)
from outreach.watcher.config import WatcherConfig
from outreach.watcher.lookup import colleagues_of, person_of, target_of
from outreach.watcher.matching import Match


@dataclass(frozen=True)
class Reclassified:
    """What re-classifying one message did."""

    was: str
    kind: str
    actions: tuple[str, ...]
    reopened: bool
    """The message's earlier verdict on its enrollment was undone first."""


def reclassify(
    db: Engine,
    inbound_id: int,
    kind: str,
    now: datetime | None = None,
    config: WatcherConfig | None = None,
) -> Reclassified:
    """Give message ``inbound_id`` the ``kind`` a person chose and re-apply its effects."""
    if kind not in KINDS:
        raise ConfigError(_("unknown kind {kind}; use one of {choices}").format(
            kind=repr(kind), choices=", ".join(KINDS)))
    now = now or utcnow()
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        was = row.manual_kind or row.kind
        held = pending_review(row.details, row.manual_kind) is not None
        if was == kind and not held:
            return Reclassified(was, kind, (), False)
        conn = session.connection()
        reopened = bool(reopen_ended_by(conn, row_id(row.id), now))
        # a held message re-classified, even as what it was, is reviewed: it acts now
        row.manual_kind = kind if held or kind != row.kind else None
        intent = stored_intent(row) if kind == "reply" else None
        actions = _actions_for(session, row, kind, now, config or WatcherConfig(), intent)
        cause = Cause("triage", inbound_id=row.id, message_id=row.message_id)
        done = apply_actions(conn, actions, cause, now)
        manual = [*row.details.get("manual_actions", []), *done]
        row.details = {**row.details, "manual_actions": manual}
        session.add(row)
        _event(session, EventKind.RECLASSIFIED, row, was=was, to=kind, actions=done)
    return Reclassified(was, kind, tuple(done), reopened)


@dataclass(frozen=True)
class Corrected:
    """What correcting one reply's intent did."""

    was: str | None
    intent: str
    actions: tuple[str, ...]
    reopened: bool


def stored_intent(row: InboundMessage) -> IntentResult | None:
    """A reply's intent as stored: a person's correction (or acceptance) acts without
    review; the classifier's as it said."""
    if row.manual_intent is not None:
        why = (f"set by hand ({row.manual_intent_by or '?'})",)  # English: views word it
        intent = ReplyIntent(row.manual_intent)
        return IntentResult(intent, row.intent_until, tuple(row.referral), 1.0, False, why)
    if row.intent is None:
        return None
    return IntentResult(
        ReplyIntent(row.intent), row.intent_until, tuple(row.referral),
        row.intent_confidence or 0.0, row.needs_review, tuple(row.intent_why),
    )  # fmt: skip


def correct_intent(
    db: Engine,
    inbound_id: int,
    intent: str,
    *,
    by: str,
    now: datetime | None = None,
    config: WatcherConfig | None = None,
) -> Corrected:
    """Give reply ``inbound_id`` the intent a person chose (``by``: who) and re-apply its
    effects through the lifecycle: what the reply did before is undone first. Choosing the
    intent it already has accepts it (it acts without review from then on)."""
    if intent not in tuple(ReplyIntent):
        raise ConfigError(_("unknown intent {intent}; use one of {choices}").format(
            intent=repr(intent), choices=", ".join(ReplyIntent)))
    now = now or utcnow()
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        if (row.manual_kind or row.kind) != "reply":
            raise ConfigError(
                _("message #{id} is no reply; re-classify it first").format(id=inbound_id))
        if pending_review(row.details, row.manual_kind) is not None:
            raise ConfigError(_("message #{id} is held for review").format(id=inbound_id),
                              hint=_("re-classify it first: it acts on nothing until then"))
        was = row.manual_intent or row.intent
        acting = stored_intent(row)
        row.manual_intent, row.manual_intent_by, row.manual_intent_at = intent, by, now
        if acting is not None and acting.intent == intent and not _acts_otherwise(acting):
            session.add(row)
            _event(session, EventKind.INTENT_CORRECTED, row, when=now, was=was, to=intent,
                   by=by, actions=[])  # fmt: skip
            return Corrected(was, intent, (), False)
        conn = session.connection()
        reopened = bool(reopen_ended_by(conn, row_id(row.id), now))
        actions = _actions_for(
            session, row, "reply", now, config or WatcherConfig(), stored_intent(row)
        )
        cause = Cause("triage", inbound_id=row.id, message_id=row.message_id)
        done = apply_actions(conn, actions, cause, now)
        row.details = {**row.details, "manual_actions": [*row.details.get("manual_actions", []),
                                                         *done]}  # fmt: skip
        session.add(row)
        _event(session, EventKind.INTENT_CORRECTED, row, when=now, was=was, to=intent, by=by,
               actions=done)  # fmt: skip
    return Corrected(was, intent, tuple(done), reopened)


def _acts_otherwise(acting: IntentResult) -> bool:
    """Accepting this intent changes what it does: one that needed review acted as a plain
    reply, which only ``not_now`` and ``referral`` do not."""
    return acting.needs_review and acting.intent in (ReplyIntent.NOT_NOW, ReplyIntent.REFERRAL)


def snooze(db: Engine, inbound_id: int, until: date | None, now: datetime | None = None) -> None:
    """Leave reply ``inbound_id`` out of the queue until ``until`` (None: back at once)."""
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        row.snoozed_until = until
        session.add(row)
        _event(session, EventKind.TRIAGED, row, when=now or utcnow(), action="snooze",
               until=until.isoformat() if until else None)  # fmt: skip


def mark_handled(
    db: Engine, inbound_id: int, handled: bool = True, now: datetime | None = None
) -> None:
    """Reply ``inbound_id`` was answered (or not yet, ``handled=False``)."""
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        now = now or utcnow()
        row.triaged_at = now if handled else None
        session.add(row)
        _event(session, EventKind.TRIAGED, row, when=now,
               action="handled" if handled else "back in the queue")  # fmt: skip


def mark_interest(db: Engine, inbound_id: int, interest: str | None) -> None:
    """Mark a reply interested / not interested (None: undecided again)."""
    if interest is not None and interest not in INTERESTS:
        raise ConfigError(_("interest must be one of {choices}, not {value}").format(
            choices=", ".join(INTERESTS), value=repr(interest)))
    with session_scope(db) as session:
        row = _inbound(session, inbound_id)
        row.interest = interest
        session.add(row)
        _event(session, EventKind.INTEREST, row, interest=interest)


def _inbound(session: Session, inbound_id: int) -> InboundMessage:
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        raise NotFoundError(_("no inbound message #{id}").format(id=inbound_id),
                            hint=_("reload the inbox"))
    return row


def _event(session: Session, kind: EventKind, row: InboundMessage, **data: Any) -> None:
    enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
    subject = Subject(
        campaign_id=enrollment.campaign_id if enrollment else None,
        enrollment_id=row.enrollment_id,
        prospect_id=enrollment.prospect_id if enrollment else None,
        mailbox_id=row.mailbox_id,
    )
    record(session.connection(), kind, subject, inbound_id=row.id, **data)


# -- the new verdict ------------------------------------------------------------------


def _actions_for(
    session: Session,
    row: InboundMessage,
    kind: str,
    now: datetime,
    config: WatcherConfig,
    intent: IntentResult | None = None,
) -> tuple[Action, ...]:
    if row.enrollment_id is None:
        return ()
    ref = _ref(session, row.enrollment_id)
    match = Match(ref, "sender", company_domain(ref.domain))
    colleagues = colleagues_of(session, match) if kind != "bounce" else []
    person = person_of(session, ref)
    situation = Situation(row.from_addr, target_of(session, ref), colleagues, person)
    return decide(_classification(row, kind, ref.email), situation, config, now, intent)


def _ref(session: Session, enrollment_id: int) -> EnrollmentRef:
    enrollment = session.get_one(Enrollment, enrollment_id)
    prospect = session.get_one(Prospect, enrollment.prospect_id)
    return EnrollmentRef(
        id=enrollment_id,
        campaign_id=enrollment.campaign_id,
        prospect_id=enrollment.prospect_id,
        mailbox_id=enrollment.mailbox_id,
        email=prospect.email,
        domain=prospect.domain,
        state=enrollment.state,
        campaign_name=session.get_one(Campaign, enrollment.campaign_id).name,
    )


def _classification(row: InboundMessage, kind: str, email: str) -> Classification:
    """The verdict a person gave, in the classifier's terms."""
    bounce = auto_reply = None
    if kind == "bounce":  # by hand: the address is dead
        dead = FailedRecipient(email, "5.1.1", "failed", reason=BounceReason.USER_UNKNOWN)
        bounce = Bounce((dead,))
    elif kind == "auto_reply":
        back = row.details.get("return_date")
        auto_reply = AutoReply(date.fromisoformat(back) if back else None)
    return Classification(
        Kind(kind),
        "re-classified by hand",  # stored evidence: English (views translate it)
        bounce=bounce,
        auto_reply=auto_reply,
        new_text=row.new_text or "",
    )
