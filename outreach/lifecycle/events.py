"""The one writer of Event rows: every lifecycle change is recorded through :func:`record`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from outreach.lifecycle.values import Subject
from outreach.states import EventKind
from outreach.store.models import utcnow
from outreach.store.repository import INSERT_EVENT


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
