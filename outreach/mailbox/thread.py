"""A sequence's thread (pure): Message-IDs, ``Re:`` subjects, References, Thread-Index.

Every place that threads a message (the engine composing a follow-up, the lifecycle
recording where a thread stands after a send, ``sequence preview``) uses these functions.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import make_msgid

REPLY_PREFIX = re.compile(r"^\s*(re|aw|antw|sv|vs)\s*:\s*", re.IGNORECASE)
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Thread:
    """The thread a follow-up belongs to (None fields for a first message)."""

    subject: str | None = None
    root_message_id: str | None = None
    references: tuple[str, ...] = ()
    started_at: datetime | None = None


@dataclass(frozen=True)
class ThreadState:
    """Where an enrollment's thread stands: its first message, topic and References chain."""

    root_message_id: str
    topic: str | None
    chain: str


def after_send(
    state: ThreadState | None, message_id: str, subject: str | None, new_thread: bool
) -> ThreadState:
    """The thread after sending ``message_id``: a new thread starts with it, a follow-up
    adds it to the References chain."""
    if new_thread or state is None:
        return ThreadState(message_id, subject, message_id)
    return ThreadState(state.root_message_id, state.topic, f"{state.chain} {message_id}".strip())


def continuing(state: ThreadState, started_at: datetime | None) -> Thread:
    """The :class:`Thread` a follow-up joins."""
    return Thread(
        subject=state.topic,
        root_message_id=state.root_message_id,
        references=tuple((state.chain or state.root_message_id).split()),
        started_at=started_at,
    )


def new_message_id(sender: str) -> str:
    """A Message-ID on the sender's own domain."""
    return make_msgid(domain=sender.rpartition("@")[2])


def thread_subject(subject: str) -> str:
    """The subject without any reply prefixes (``Re: AW: x`` → ``x``)."""
    while REPLY_PREFIX.match(subject):
        subject = REPLY_PREFIX.sub("", subject, count=1)
    return subject


def thread_index(root_id: str, started: datetime, reply_at: datetime | None) -> str:
    """Outlook's Thread-Index: 22 bytes for the thread head (time + GUID), +5 per reply."""
    ticks = int((started - FILETIME_EPOCH).total_seconds() * 10_000_000)
    head = ticks.to_bytes(8, "big")[:6] + hashlib.md5(root_id.encode()).digest()  # noqa: S324
    if reply_at is None:
        return base64.b64encode(head).decode()
    delta = int((reply_at - started).total_seconds() * 10_000_000) >> 18
    child = (min(max(delta, 0), 2**31 - 1) << 8).to_bytes(5, "big")  # clock steps back: 0
    return base64.b64encode(head + child).decode()
