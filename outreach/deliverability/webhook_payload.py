"""The JSON body of a webhook: the event plus what a CRM needs to act on it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from outreach.store.models import (
    Campaign,
    Event,
    InboundMessage,
    Mailbox,
    Prospect,
    Task,
    as_utc,
)


def event_payloads(session: Session, events: Iterable[Event]
                   ) -> list[tuple[int, str, dict[str, Any]]]:
    """(event id, kind, payload) for each event, with its names looked up in bulk."""
    events = list(events)
    campaigns = _by_id(session, Campaign, {e.campaign_id for e in events})
    prospects = _by_id(session, Prospect, {e.prospect_id for e in events})
    mailboxes = _by_id(session, Mailbox, {e.mailbox_id for e in events})
    inbound = _by_id(session, InboundMessage, {e.inbound_id for e in events})
    tasks = _by_id(session, Task, {_task_id(e) for e in events})
    return [(e.id or 0, e.kind, _payload(e, campaigns, prospects, mailboxes, inbound, tasks))
            for e in events]


def _task_id(event: Event) -> int | None:
    """The task an event is about (task_due, task_done, task_expired …), if any."""
    found = (event.data or {}).get("task")
    return found if isinstance(found, int) else None


def _by_id(session: Session, table: Any, ids: set[int | None]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(table).where(col(table.id).in_(wanted)))}


def _payload(event: Event, campaigns: dict[int, Campaign], prospects: dict[int, Prospect],
             mailboxes: dict[int, Mailbox], inbound: dict[int, InboundMessage],
             tasks: dict[int, Task]) -> dict[str, Any]:  # fmt: skip
    campaign = campaigns.get(event.campaign_id or -1)
    mailbox = mailboxes.get(event.mailbox_id or -1)
    found = {
        "id": event.id, "event": event.kind, "at": as_utc(event.at).isoformat(),
        "campaign": campaign.name if campaign else None,
        "mailbox": mailbox.email if mailbox else None,
        "prospect": _prospect(prospects.get(event.prospect_id or -1)),
        "message": _message(inbound.get(event.inbound_id or -1)),
        "data": event.data,
    }
    task = tasks.get(_task_id(event) or -1)
    if task is not None:
        found["task"] = _task(task)
    return found


def _task(task: Task) -> dict[str, Any]:
    """A task step as a CRM logs it: what, for which step, how it went (as it is now)."""
    return {
        "id": task.id, "kind": task.kind, "step": task.step_index + 1, "state": task.state,
        "outcome": task.outcome, "outcome_note": task.outcome_note, "note": task.note,
        "due_at": as_utc(task.due_at).isoformat(),
        "done_at": as_utc(task.done_at).isoformat() if task.done_at else None,
    }  # fmt: skip


def _prospect(prospect: Prospect | None) -> dict[str, Any] | None:
    if prospect is None:
        return None
    return {"email": prospect.email, "first_name": prospect.first_name,
            "last_name": prospect.last_name, "company": prospect.company}


def _message(message: InboundMessage | None) -> dict[str, Any] | None:
    if message is None:
        return None
    found: dict[str, Any] = {
        "from": message.from_addr, "subject": message.subject, "text": message.new_text,
        "kind": message.manual_kind or message.kind,
    }  # fmt: skip
    if found["kind"] == "reply":
        found.update(
            intent=message.manual_intent or message.intent,
            intent_until=message.intent_until.isoformat() if message.intent_until else None,
            referral=list(message.referral or []),
            confidence=message.intent_confidence,
            needs_review=message.needs_review and message.manual_intent is None,
        )
    return found
