"""Replies a person labelled (accepted or corrected an intent) as training examples, in
the intent corpus's JSON-lines format, so a team can retrain the classifier on its mail."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.store.models import InboundMessage
from outreach.views.common import aware

_GERMAN = re.compile(
    r"\b(?:und|nicht|ich|wir|sie|ihnen|bitte|danke|gerne|gern|mit|für|bei|der|die|das|ist|"
    r"melden|grüße|freundlichen|hallo|leider)\b",
    re.I,
)
_ENGLISH = re.compile(
    r"\b(?:and|not|we|you|please|thanks|thank|with|for|the|is|regards|hi|hello|sorry|"
    r"would|could)\b",
    re.I,
)


def language(text: str) -> str:
    """``de`` or ``en``: whichever language's common words the text has more of."""
    return "de" if len(_GERMAN.findall(text)) > len(_ENGLISH.findall(text)) else "en"


def labelled_examples(db: Engine) -> Iterator[dict[str, Any]]:
    """One corpus record per reply whose intent a person set, oldest first."""
    with Session(db) as session:
        rows = session.exec(
            select(InboundMessage)
            .where(col(InboundMessage.manual_intent).is_not(None))
            .order_by(col(InboundMessage.id))
        ).all()
    for row in rows:
        yield _example(row)


def _example(row: InboundMessage) -> dict[str, Any]:
    new_text = row.new_text or ""
    quoted = str(row.details.get("quoted", ""))
    received = aware(row.received_at or row.created_at)
    return {
        "id": f"inbox-{row.id}",
        "lang": language(new_text),
        "date": format_datetime(received) if received else None,
        "subject": row.subject or "",
        "from": row.from_addr or "",
        "text": "\n\n".join(part for part in (new_text, quoted) if part),
        "new_text": new_text,
        "intent": row.manual_intent,
        "intent_until": row.intent_until.isoformat() if row.intent_until else None,
        "referral": list(row.referral or []),
        "split": "train",
    }


def jsonl(records: Iterator[dict[str, Any]]) -> str:
    """JSON lines (UTF-8 text, one record a line)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
