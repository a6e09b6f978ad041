"""The one writer of Event rows: every lifecycle change is recorded through :func:`record`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from outreach.store.models import utcnow
from outreach.store.repository import INSERT_EVENT
from outreach.store.states import EventKind


@dataclass(frozen=True)
class Subject:
    """Whom an event is about (any part may be unknown)."""

    campaign_id: int | None = None
    enrollment_id: int | None = None
    prospect_id: int | None = None
    mailbox_id: int | None = None
    send_id: int | None = None


@dataclass(frozen=True)
class Cause:
    """What made a change happen: an inbound message, a send's SMTP reply, a person."""

    source: str
    """``inbox``, ``smtp``, ``cli``, ``tui``, ``engine``, ``verify`` …"""
    inbound_id: int | None = None
    message_id: str | None = None
    """The Message-ID of the message that caused it (an answer, a bounce)."""
    campaign: str | None = None
    """The campaign whose thread the message answered."""

    def data(self) -> dict[str, Any]:
        found = {"source": self.source, "cause_message_id": self.message_id}
        if self.campaign is not None:
            found["cause_campaign"] = self.campaign
        return {k: v for k, v in found.items() if v is not None}


def record(
    conn: Connection,
    kind: EventKind,
    about: Subject,
    *,
    inbound_id: int | None = None,
    when: datetime | None = None,
    **data: Any,
) -> None:
    """Insert one Event row in the caller's transaction."""
    conn.execute(
        INSERT_EVENT,
        {
            "at": when or utcnow(),
            "kind": kind.value,
            "campaign_id": about.campaign_id,
            "enrollment_id": about.enrollment_id,
            "prospect_id": about.prospect_id,
            "mailbox_id": about.mailbox_id,
            "send_id": about.send_id,
            "inbound_id": inbound_id,
            "data": data,
        },
    )
