"""From a send to the bytes on the wire: render the step, thread it, compose it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from outreach.campaigns.context import display_name, prospect_fields
from outreach.engine import sendrows
from outreach.engine.compose import (
    Envelope,
    Thread,
    as_bytes,
    compose,
    outgoing_subject,
    thread_subject,
)
from outreach.engine.sendrows import SendFacts
from outreach.sequences import render_step


@dataclass(frozen=True)
class Letter:
    """A composed message, its envelope and the thread headers it carries."""

    sender: str
    recipient: str
    message_id: str
    date: datetime
    data: bytes
    subject: str
    in_reply_to: str | None
    references: str | None


def prepare_letter(conn: Connection, facts: SendFacts, now: datetime) -> Letter:
    """Compose the send for sending now (a follow-up joins the enrollment's thread)."""
    starts_thread = (
        facts.sequence.steps[facts.step_index].new_thread or not facts.thread_message_id
    )
    return _letter(facts, Thread() if starts_thread else _thread_of(conn, facts), now)


def rebuild_letter(conn: Connection, send_id: int) -> Letter:
    """The same bytes again for a send composed before (for a late copy to Sent)."""
    facts = sendrows.load_facts(conn, send_id)
    assert facts is not None and facts.last_attempt_at is not None, "only attempted sends"
    thread = Thread()
    if facts.in_reply_to:
        thread = Thread(
            subject=thread_subject(facts.subject or ""),
            root_message_id=facts.in_reply_to,
            references=tuple((facts.references or facts.in_reply_to).split()),
            started_at=sendrows.sent_at(conn, facts.in_reply_to),
        )
    return _letter(facts, thread, facts.last_attempt_at)


def _thread_of(conn: Connection, facts: SendFacts) -> Thread:
    root = facts.thread_message_id
    assert root is not None
    return Thread(
        subject=facts.thread_subject,
        root_message_id=root,
        references=tuple((facts.thread_references or root).split()),
        started_at=sendrows.sent_at(conn, root),
    )


def _letter(facts: SendFacts, thread: Thread, date: datetime) -> Letter:
    prospect = facts.prospect
    fields = prospect_fields(prospect)
    rendered = render_step(facts.sequence, facts.step_index, fields, facts.variant)
    envelope = Envelope(
        from_addr=facts.sender,
        from_name=facts.sender_name,
        to_addr=prospect.email,
        to_name=display_name(prospect),
        message_id=facts.message_id,
        date=date,
    )
    return Letter(
        sender=facts.sender,
        recipient=prospect.email,
        message_id=facts.message_id,
        date=date,
        data=as_bytes(compose(envelope, rendered, thread)),
        subject=outgoing_subject(rendered, thread),
        in_reply_to=thread.root_message_id,
        references=" ".join(thread.references) or None,
    )
