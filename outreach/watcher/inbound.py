"""One downloaded message: classify, match, decide (``evaluate``), then store and apply.

``evaluate`` only reads the database, so ``outreach inbox scan`` can show what would
happen; ``record`` stores the InboundMessage and applies the actions in the caller's
transaction. Only messages linked to an enrollment are stored: the rep's other mail never
lands in the database. A message held for review (see
:func:`outreach.lifecycle.rules.held_reason`) is stored with ``details["held"]`` and a
``held`` event instead of its kind's, and acts on nothing.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

from sqlmodel import Session, col, select

from outreach.lifecycle import Cause, EventKind, Subject
from outreach.lifecycle.events import record as record_event
from outreach.lifecycle.inbound import apply_actions
from outreach.lifecycle.rules import Action, Provenance, Situation, decide, held_reason
from outreach.mailbox.authresults import auth_failures
from outreach.mailbox.classify import Classification, Kind, Rules
from outreach.mailbox.classify.intent import IntentResult
from outreach.mailbox.headers import HeaderFacts
from outreach.store.models import InboundMessage, row_id
from outreach.watcher.config import WatcherConfig
from outreach.watcher.deadline import read_within
from outreach.watcher.lookup import candidates_for, colleagues_of, person_of, target_of
from outreach.watcher.matching import Inbound, Match, match_inbound
from outreach.watcher.sent_text import answered_texts
from outreach.watcher.summary import classification_dict


@dataclass(frozen=True)
class Fetched:
    """A downloaded message and where it was found."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    facts: HeaderFacts
    received_at: datetime | None
    screened: str
    """Why it was downloaded (see :func:`~outreach.watcher.screening.screen`)."""


@dataclass(frozen=True)
class Context:
    """What every evaluation needs besides the message."""

    mailbox_id: int
    rules: Rules
    our_addresses: frozenset[str]
    config: WatcherConfig


@dataclass(frozen=True)
class Verdict:
    """What a message is, whom it concerns and what it will do."""

    fetched: Fetched
    result: Classification
    match: Match
    actions: tuple[Action, ...]
    held: str | None = None
    """Why it waits for a person instead of acting (None: it acts)."""
    intent: IntentResult | None = None
    """A reply's intent (None: not a reply, or set aside)."""
    quoted: str = ""
    """A reply's quoted rest, for the inbox."""


def parse_headers(raw: bytes) -> Message:
    """The header block only: cheap and bounded whatever the body holds."""
    return BytesHeaderParser(policy=email.policy.default).parsebytes(raw)


def evaluate(session: Session, fetched: Fetched, context: Context, now: datetime) -> Verdict:
    """Classify, match and decide; reads the database, changes nothing."""
    message = parse_headers(fetched.raw)  # Authentication-Results; the body is not read here
    deadline = context.config.classify_deadline
    sent = answered_texts(session, fetched.facts)
    reading = read_within(fetched.raw, context.rules, context.our_addresses, deadline, sent)
    result = reading.result
    inbound = _inbound(fetched.facts, result)
    match = match_inbound(inbound, candidates_for(session, inbound), context.mailbox_id)
    origin = _provenance(message, fetched.facts, match)
    situation = _situation(session, fetched.facts, match, origin)
    actions = decide(result, situation, context.config, now, reading.intent)
    held = held_reason(result, situation) if match.enrollment is not None else None
    return Verdict(fetched, result, match, actions, held, reading.intent, reading.quoted)


def _provenance(message: Message, facts: HeaderFacts, match: Match) -> Provenance:
    return Provenance(
        tied=match.tied,
        auth_failures=auth_failures(message, facts.from_domain),
        claimed=facts.claimed_addr if match.via == "claimed" else None,
    )


def _inbound(facts: HeaderFacts, result: Classification) -> Inbound:
    bounce = result.bounce if result.kind is Kind.BOUNCE else None
    return Inbound(
        sender=facts.from_addr,
        # A bounce also names every Message-ID of the returned original (ours).
        referenced=(*facts.referenced, *bounce.original_references) if bounce else facts.referenced,
        bounce=bounce is not None,
        original_message_id=bounce.original_message_id if bounce else None,
        failed_addresses=bounce.addresses if bounce else (),
        claimed=facts.claimed_addr,
    )


def _situation(
    session: Session, facts: HeaderFacts, match: Match, origin: Provenance
) -> Situation:
    if match.enrollment is None:
        return Situation(facts.from_addr, None, provenance=origin)
    colleagues = colleagues_of(session, match)
    if match.via == "company":
        return Situation(facts.from_addr, None, colleagues, (), origin)
    person = person_of(session, match.enrollment)
    target = target_of(session, match.enrollment)
    return Situation(facts.from_addr, target, colleagues, person, origin)


def already_recorded(session: Session, mailbox_id: int, fetched: Fetched) -> bool:
    """Seen before: same folder/UIDVALIDITY/UID, or the same Message-ID in this mailbox
    (a UIDVALIDITY reset, or the user moved it between folders)."""
    same_uid = select(InboundMessage.id).where(
        InboundMessage.mailbox_id == mailbox_id,
        InboundMessage.folder == fetched.folder,
        InboundMessage.uidvalidity == fetched.uidvalidity,
        InboundMessage.uid == fetched.uid,
    )
    if session.exec(same_uid).first() is not None:
        return True
    if fetched.facts.message_id is None:
        return False
    same_id = select(InboundMessage.id).where(
        InboundMessage.mailbox_id == mailbox_id,
        col(InboundMessage.message_id) == fetched.facts.message_id,
    )
    return session.exec(same_id).first() is not None


def record(session: Session, verdict: Verdict, mailbox_id: int, now: datetime) -> int | None:
    """Store the message and apply its actions; returns the InboundMessage id (None when
    it concerns no enrollment)."""
    if verdict.match.enrollment is None:
        return None
    row = _row(verdict, mailbox_id, now)
    session.add(row)
    session.flush()
    cause = Cause(
        "inbox",
        inbound_id=row.id,
        message_id=verdict.fetched.facts.message_id,
        campaign=verdict.match.enrollment.campaign_name,
    )
    done = apply_actions(session.connection(), verdict.actions, cause, now)
    row.details = {**row.details, "actions": done}
    session.add(row)
    session.flush()
    _inbound_event(session, row, verdict)
    return row_id(row.id)


def _row(verdict: Verdict, mailbox_id: int, now: datetime) -> InboundMessage:
    fetched, result = verdict.fetched, verdict.result
    details = classification_dict(result)
    details.pop("new_text", None)
    details.update(via=verdict.match.via, screened=fetched.screened)
    if verdict.held is not None:
        details["held"] = verdict.held
    if verdict.quoted:
        details["quoted"] = verdict.quoted
    return InboundMessage(
        **intent_columns(verdict.intent),
        mailbox_id=mailbox_id,
        folder=fetched.folder,
        uidvalidity=fetched.uidvalidity,
        uid=fetched.uid,
        message_id=fetched.facts.message_id,
        from_addr=fetched.facts.from_addr,
        subject=fetched.facts.subject[:1000],
        received_at=fetched.received_at,
        kind=result.kind.value,
        details=details,
        new_text=result.new_text or None,
        enrollment_id=verdict.match.enrollment.id if verdict.match.enrollment else None,
        handled_at=now,
    )


def intent_columns(intent: IntentResult | None) -> dict[str, Any]:
    """The InboundMessage columns that store a reply's intent."""
    if intent is None:
        return {}
    return {
        "intent": intent.intent.value,
        "intent_until": intent.until,
        "referral": list(intent.referral),
        "intent_confidence": round(intent.confidence, 4),
        "needs_review": intent.needs_review,
        "intent_why": list(intent.why),
    }


def _inbound_event(session: Session, row: InboundMessage, verdict: Verdict) -> None:
    ref = verdict.match.enrollment
    assert ref is not None
    held = {"classified_as": row.kind, "reason": verdict.held} if verdict.held else {}
    bounce = verdict.result.bounce if verdict.result.kind is Kind.BOUNCE else None
    # hard: never mail the address again; final: the server no longer retries.
    facts = {"hard": bounce.hard, "final": bounce.final} if bounce is not None else {}
    meaning = {"intent": row.intent} if row.intent is not None else {}
    record_event(
        session.connection(),
        EventKind.HELD if verdict.held else EventKind(row.kind),
        Subject(ref.campaign_id, ref.id, ref.prospect_id, row.mailbox_id),
        inbound_id=row.id,
        when=row.handled_at,
        at="inbox",
        sender=row.from_addr,
        subject=row.subject,
        via=verdict.match.via,
        **facts,
        **held,
        **meaning,
    )
