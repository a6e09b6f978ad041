"""A sending mailbox paused (a refused login, broken TLS) and resumed; its Sent copies
failing; the engine's own trouble with it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from outreach.lifecycle.events import record
from outreach.lifecycle.values import Subject
from outreach.states import EventKind
from outreach.store.models import Mailbox
from outreach.store.repository import MAILBOX


def pause_mailbox(
    conn: Connection, mailbox_id: int, reason: str, now: datetime, *, auth: bool
) -> None:
    values: dict[str, object] = {"paused": True, "pause_reason": reason, "paused_at": now}
    if auth:
        values["last_auth_failure_at"] = now
    conn.execute(update(MAILBOX).where(MAILBOX.c.id == mailbox_id).values(**values))
    record(conn, EventKind.MAILBOX_PAUSED, Subject(mailbox_id=mailbox_id), when=now,
           reason=reason)  # fmt: skip


def pause_for_sign_in(conn: Connection, mailbox_id: int, reason: str, now: datetime) -> bool:
    """Pause a mailbox whose OAuth sign-in the provider refused (``reason``: what to run),
    unless it already is for that reason; no automatic login retry (only a new sign-in
    helps). True when it was paused now."""
    current = conn.execute(
        select(MAILBOX.c.paused, MAILBOX.c.pause_reason).where(MAILBOX.c.id == mailbox_id)
    ).first()
    if current is None or (current.paused and current.pause_reason == reason):
        return False
    pause_mailbox(conn, mailbox_id, reason, now, auth=False)
    return True


def resume_mailbox(conn: Connection, mailbox_id: int, now: datetime) -> None:
    conn.execute(
        update(MAILBOX)
        .where(MAILBOX.c.id == mailbox_id)
        .values(paused=False, pause_reason=None, last_auth_failure_at=None)
    )
    record(conn, EventKind.MAILBOX_RESUMED, Subject(mailbox_id=mailbox_id), when=now)


def note_sent_copy_failed(
    conn: Connection, mailbox_id: int, folder: str | None, error: str, now: datetime
) -> None:
    """Filing our copy in Sent failed: an event that ``status``, ``mailbox list`` and the
    dashboard show as a health warning while copies stay unfiled (sending goes on)."""
    record(conn, EventKind.SENT_COPY_FAILED, Subject(mailbox_id=mailbox_id), when=now,
           folder=folder, error=error)  # fmt: skip


def note_engine_error(conn: Connection, mailbox_id: int, error: str, now: datetime) -> None:
    """The engine could not get through a step of this mailbox (it tries again): a health
    warning in ``status``, ``mailbox list`` and the dashboard until it recovers."""
    record(conn, EventKind.ENGINE_ERROR, Subject(mailbox_id=mailbox_id), when=now, error=error)


def note_engine_recovered(conn: Connection, mailbox_id: int, now: datetime) -> None:
    """The mailbox's worker got through a step again: the warning goes."""
    record(conn, EventKind.ENGINE_RECOVERED, Subject(mailbox_id=mailbox_id), when=now)


def auth_retry_due(mailbox: Mailbox, now: datetime, interval: timedelta) -> bool:
    """A mailbox paused for a login failure may try once more every ``interval``."""
    last = mailbox.last_auth_failure_at
    return mailbox.paused and last is not None and now - last >= interval
