"""From a send row to the bytes on the wire: render the step, thread it, compose it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from outreach.campaigns.context import display_name, prospect_fields
from outreach.engine.compose import Envelope, Thread, as_bytes, compose, thread_subject
from outreach.engine.context import SendContext, load_context
from outreach.sequences import render_step
from outreach.store.models import Enrollment, Send


@dataclass(frozen=True)
class Letter:
    """A composed message and its envelope."""

    sender: str
    recipient: str
    message_id: str
    date: datetime
    data: bytes


def prepare_letter(session: Session, ctx: SendContext, now: datetime) -> Letter:
    """Compose the send for sending now, recording its subject and thread headers on the row."""
    send, enrollment = ctx.send, ctx.enrollment
    starts_thread = (
        ctx.sequence.steps[send.step_index].new_thread or not enrollment.thread_message_id
    )
    thread = Thread() if starts_thread else _thread_of(session, enrollment)
    letter, subject = _letter(ctx, thread, now)
    send.subject = subject
    send.in_reply_to = thread.root_message_id
    send.references = " ".join(thread.references) or None
    return letter


def rebuild_letter(session: Session, send: Send) -> Letter:
    """The same bytes again for a send composed before (for a late copy to Sent)."""
    thread = Thread()
    if send.in_reply_to:
        thread = Thread(
            subject=thread_subject(send.subject or ""),
            root_message_id=send.in_reply_to,
            references=tuple((send.references or send.in_reply_to).split()),
            started_at=_sent_at(session, send.in_reply_to),
        )
    assert send.last_attempt_at is not None, "only attempted sends are rebuilt"
    return _letter(load_context(session, send.id), thread, send.last_attempt_at)[0]


def _thread_of(session: Session, enrollment: Enrollment) -> Thread:
    root = enrollment.thread_message_id
    assert root is not None
    return Thread(
        subject=enrollment.thread_subject,
        root_message_id=root,
        references=tuple((enrollment.thread_references or root).split()),
        started_at=_sent_at(session, root),
    )


def _sent_at(session: Session, message_id: str) -> datetime | None:
    return session.exec(select(Send.sent_at).where(Send.message_id == message_id)).first()


def _letter(ctx: SendContext, thread: Thread, date: datetime) -> tuple[Letter, str]:
    send, prospect, mailbox = ctx.send, ctx.prospect, ctx.mailbox
    rendered = render_step(ctx.sequence, send.step_index, prospect_fields(prospect), send.variant)
    envelope = Envelope(
        from_addr=mailbox.email,
        from_name=mailbox.display_name,
        to_addr=prospect.email,
        to_name=display_name(prospect),
        message_id=send.message_id,
        date=date,
    )
    message = compose(envelope, rendered, thread)
    letter = Letter(mailbox.email, prospect.email, send.message_id, date, as_bytes(message))
    return letter, str(message["Subject"])
