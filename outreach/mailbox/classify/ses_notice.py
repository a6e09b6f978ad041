"""Amazon SES bounce and delay notifications mailed as JSON (via SNS or SES forwarding).

SES documents the format: ``{"notificationType": "Bounce", "bounce": {"bounceType":
"Permanent"|"Transient"|"Undetermined", "bouncedRecipients": [{"emailAddress", "action",
"status", "diagnosticCode"}]}, "mail": {"messageId", "headers", "commonHeaders"}}``;
event publishing spells it ``"eventType"`` and adds ``"DeliveryDelay"`` with
``"deliveryDelay": {"delayedRecipients": [...]}``. An SNS envelope wraps it in
``"Message"`` as a string. A bounce notice is final (SES stopped trying); a delay is not.
"""

from __future__ import annotations

import json
from email.message import Message
from typing import Any

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.bounce_reason import bounce_reason
from outreach.mailbox.classify.dsn import address_of, status_of
from outreach.mailbox.classify.model import Bounce, FailedRecipient
from outreach.mailbox.classify.rules import Rules

_MAX_JSON = 200_000
_MARKERS = ("notificationType", "eventType")


def ses_notice(msg: Message, rules: Rules) -> Bounce | None:
    """The bounce an SES JSON notification reports, None for any other message."""
    for part in mime.top_level_leaves(msg):
        if mime.content_type(part) not in ("text/plain", "application/json"):
            continue
        text = mime.part_text(part)
        if not any(marker in text for marker in _MARKERS):
            continue
        data = _json_object(text)
        if data is not None and (bounce := _bounce(data, rules)) is not None:
            return bounce
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object the text starts with (SNS appends an unsubscribe footer)."""
    start = text.find("{")
    if start < 0 or start > 2_000:
        return None
    try:
        data, _ = json.JSONDecoder(strict=False).raw_decode(text[start : start + _MAX_JSON])
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # SNS envelope
        return _json_object(data["Message"])
    return data if isinstance(data, dict) else None


def _bounce(data: dict[str, Any], rules: Rules) -> Bounce | None:
    kind = str(data.get("notificationType") or data.get("eventType") or "")
    if kind == "Bounce" and isinstance(data.get("bounce"), dict):
        rows = data["bounce"].get("bouncedRecipients")
        delayed = False
    elif kind == "DeliveryDelay" and isinstance(data.get("deliveryDelay"), dict):
        rows = data["deliveryDelay"].get("delayedRecipients")
        delayed = True
    else:
        return None
    if not isinstance(rows, list):
        return None
    found = [_recipient(row, delayed, rules) for row in rows if isinstance(row, dict)]
    recipients = tuple(found)
    return Bounce(recipients or (FailedRecipient(None),), _message_id(data), standard=False)


def _recipient(row: dict[str, Any], delayed: bool, rules: Rules) -> FailedRecipient:
    status = status_of(str(row.get("status") or ""))
    action = "delayed" if delayed else (str(row.get("action") or "failed").lower())
    diagnostic = str(row.get("diagnosticCode") or "")
    return FailedRecipient(
        address=address_of(str(row.get("emailAddress") or "")),
        status=status,
        action=action,
        diagnostic=diagnostic or None,
        reason=bounce_reason(status, diagnostic, action, rules, diagnostic),
    )


def _message_id(data: dict[str, Any]) -> str | None:
    mail = data.get("mail")
    if not isinstance(mail, dict):
        return None
    for header in mail.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id":
            return str(header.get("value") or "").strip() or None
    common = mail.get("commonHeaders")
    if isinstance(common, dict) and common.get("messageId"):
        return str(common["messageId"]).strip()
    return None
