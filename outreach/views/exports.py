"""``outreach export``: replies, prospects or events as flat rows for a CRM (CSV or JSON),
or for a spreadsheet that Excel in a German (or any ``;``-list) locale opens as it is.

Each export is a list of dicts with the same keys in every row (CSV needs a header);
values are plain strings, numbers, booleans or None.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.store.models import (
    Campaign,
    Enrollment,
    Event,
    InboundMessage,
    Mailbox,
    Prospect,
    ProspectTag,
    Suppression,
    as_utc,
)

KINDS = ("replies", "prospects", "events", "tasks")
Row = dict[str, Any]


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _campaign_ids(session: Session, campaign: str | None) -> list[int]:
    from outreach.campaigns.rows import get_campaign

    rows = [get_campaign(session, campaign)] if campaign else session.exec(select(Campaign))
    return [c.id for c in rows if c.id is not None]


def reply_rows(db: Engine, campaign: str | None = None) -> list[Row]:
    """Every reply (by its effective kind), newest first, with the prospect it came from."""
    with Session(db) as session:
        ids = _campaign_ids(session, campaign)
        rows = session.exec(
            select(InboundMessage, Enrollment, Prospect, Campaign)
            .join(Enrollment, col(Enrollment.id) == col(InboundMessage.enrollment_id))
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
            .where(col(Enrollment.campaign_id).in_(ids))
            .order_by(col(InboundMessage.id).desc()))
        boxes = {m.id: m.email for m in session.exec(select(Mailbox))}
        return [_reply(m, p, c, boxes) for m, _e, p, c in rows
                if (m.manual_kind or m.kind) == "reply"]


def _reply(message: InboundMessage, prospect: Prospect, campaign: Campaign,
           boxes: dict[int | None, str]) -> Row:
    return {
        "received_at": _iso(message.received_at or message.created_at),
        "campaign": campaign.name, "email": prospect.email,
        "first_name": prospect.first_name, "last_name": prospect.last_name,
        "company": prospect.company, "from": message.from_addr,
        "subject": message.subject, "text": message.new_text, "interest": message.interest,
        "mailbox": boxes.get(message.mailbox_id),
        **intent_fields(message),
    }


def intent_fields(message: InboundMessage) -> Row:
    """A reply's intent (a person's correction wins), the day or referral it names, how
    sure the classifier was and whether it waits for review."""
    return {
        "intent": message.manual_intent or message.intent,
        "intent_until": message.intent_until.isoformat() if message.intent_until else None,
        "referral": list(message.referral or []),
        "confidence": message.intent_confidence,
        "needs_review": message.needs_review and message.manual_intent is None,
    }


def prospect_rows(db: Engine, campaign: str | None = None) -> list[Row]:
    """Prospects (of one campaign, or all) with tags, campaign states and custom fields."""
    with Session(db) as session:
        query = select(Prospect).order_by(col(Prospect.id))
        if campaign:
            enrolled = select(Enrollment.prospect_id).where(
                col(Enrollment.campaign_id).in_(_campaign_ids(session, campaign)))
            query = query.where(col(Prospect.id).in_(enrolled))
        prospects = list(session.exec(query))
        tags = _tags(session)
        states = _states(session)
        suppressed = {s.value for s in session.exec(select(Suppression))}
    extra = sorted({key for p in prospects for key in p.fields})
    return [_prospect(p, tags, states, suppressed, extra) for p in prospects]


def _tags(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in session.exec(select(ProspectTag).order_by(col(ProspectTag.tag))):
        found.setdefault(row.prospect_id, []).append(row.tag)
    return found


def _states(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = session.exec(select(Enrollment, Campaign).join(
        Campaign, col(Campaign.id) == col(Enrollment.campaign_id)).order_by(col(Campaign.name)))
    for enrollment, campaign in rows:
        found.setdefault(enrollment.prospect_id, []).append(f"{campaign.name}:{enrollment.state}")
    return found


def _prospect(p: Prospect, tags: dict[int, list[str]], states: dict[int, list[str]],
              suppressed: set[str], extra: list[str]) -> Row:
    assert p.id is not None
    row: Row = {"email": p.email, "first_name": p.first_name, "last_name": p.last_name,
                "company": p.company, "timezone": p.timezone,
                "tags": ";".join(tags.get(p.id, [])), "campaigns": ";".join(states.get(p.id, [])),
                "suppressed": p.email in suppressed or f"@{p.domain}" in suppressed}
    row.update({key: p.fields.get(key) for key in extra})
    return row


def event_rows(db: Engine, campaign: str | None = None) -> list[Row]:
    """Every event in order, with campaign, prospect and mailbox named."""
    with Session(db) as session:
        query = select(Event).order_by(col(Event.id))
        if campaign:
            query = query.where(col(Event.campaign_id).in_(_campaign_ids(session, campaign)))
        events = list(session.exec(query))
        names = {c.id: c.name for c in session.exec(select(Campaign))}
        emails = {p.id: p.email for p in session.exec(select(Prospect))}
        boxes = {m.id: m.email for m in session.exec(select(Mailbox))}
    return [{"id": e.id, "at": _iso(e.at), "kind": e.kind, "campaign": names.get(e.campaign_id),
             "prospect": emails.get(e.prospect_id), "mailbox": boxes.get(e.mailbox_id),
             "data": e.data} for e in events]


def task_rows_for_export(db: Engine, campaign: str | None = None) -> list[Row]:
    """Every task step (call, LinkedIn, custom) with its outcome, by due time: what the rep
    did for whom, for a CRM's activity log."""
    from outreach.store.models import utcnow
    from outreach.views.tasks import task_rows

    return [{
        "id": row.id, "campaign": row.campaign, "step": row.step, "kind": row.kind,
        "email": row.email, "name": row.name, "company": row.company, "phone": row.phone,
        "mailbox": row.mailbox, "state": row.state, "outcome": row.outcome,
        "outcome_note": row.outcome_note, "due_at": _iso(row.due_at),
        "done_at": _iso(row.done_at), "note": row.note,
    } for row in task_rows(db, utcnow(), which="all", campaign=campaign)]  # fmt: skip


def export_rows(db: Engine, kind: str, campaign: str | None = None) -> list[Row]:
    return {"replies": reply_rows, "prospects": prospect_rows, "events": event_rows,
            "tasks": task_rows_for_export}[kind](db, campaign)  # fmt: skip


def to_csv(rows: Iterable[Row], delimiter: str = ",", line_end: str = "\n") -> str:
    """CSV with a header; nested values (event data) as compact JSON; text that a
    spreadsheet would run as a formula is neutralized (:func:`csv_safe`)."""
    rows = list(rows)
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(
        out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator=line_end)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


EXCEL_BOM = "\ufeff"


def to_excel_csv(rows: Iterable[Row]) -> bytes:
    """CSV as Excel opens it by double-click in a German locale: UTF-8 with a byte-order
    mark (without it Excel reads "Müller" as "MÃ¼ller"), ``;`` between fields (the list
    separator where ``,`` is the decimal comma) and CRLF line ends; formulas neutralized
    as in :func:`to_csv`."""
    text = to_csv(rows, delimiter=";", line_end="\r\n")
    return (EXCEL_BOM + text).encode("utf-8") if text else b""


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """``text`` with a leading ``'`` when it starts like a spreadsheet formula (OWASP CSV
    injection): a reply subject "=HYPERLINK(…)" must reach the sheet as text."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return csv_safe(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, str):  # a bare CR is no line end to the writer: it goes unquoted
        return csv_safe(value).replace("\r\n", "\n").replace("\r", "\n")
    return "" if value is None else value
