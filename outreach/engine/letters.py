"""From a send to the bytes on the wire: render the step, thread it, compose it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from outreach.addresses import wire_address
from outreach.lifecycle.facts import SendFacts, load_facts
from outreach.mailbox.compose import Envelope, as_bytes, compose, outgoing_subject
from outreach.mailbox.thread import Thread, ThreadState, continuing
from outreach.sequences import render_step
from outreach.sequences.prospect import display_name, prospect_fields
from outreach.store.repository import sent_at


@dataclass(frozen=True)
class Letter:
    """A composed message, its envelope and the thread headers it carries."""

    sender: str
    """The envelope sender, as on the wire (an internationalized domain as A-labels)."""
    recipient: str
    """The envelope recipient, as on the wire."""
    message_id: str
    date: datetime
    data: bytes
    subject: str
    in_reply_to: str | None
    references: str | None


def prepare_letter(conn: Connection, facts: SendFacts, now: datetime) -> Letter:
    """Compose the send for sending now (a follow-up joins the enrollment's thread)."""
    thread = facts.thread
    if facts.sequence.steps[facts.step_index].new_thread or thread is None:
        return _letter(facts, Thread(), now)
    return _letter(facts, continuing(thread, sent_at(conn, thread.root_message_id)), now)


def rebuild_letter(conn: Connection, send_id: int) -> Letter:
    """The same bytes again for a send composed before (for a late copy to Sent)."""
    facts = load_facts(conn, send_id)
    assert facts is not None and facts.last_attempt_at is not None, "only attempted sends"
    thread = Thread()
    if facts.in_reply_to:
        state = ThreadState(facts.in_reply_to, facts.subject, facts.references or "")
        thread = continuing(state, sent_at(conn, facts.in_reply_to))
    return _letter(facts, thread, facts.last_attempt_at)


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
        sender=wire_address(facts.sender),
        recipient=wire_address(prospect.email),
        message_id=facts.message_id,
        date=date,
        data=as_bytes(
            compose(
                envelope, rendered, thread, unsubscribe_header=facts.sequence.unsubscribe_header
            )
        ),
        subject=outgoing_subject(rendered, thread),
        in_reply_to=thread.root_message_id,
        references=" ".join(thread.references) or None,
    )
