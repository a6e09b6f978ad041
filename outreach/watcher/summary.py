"""A classification as JSON-ready values (``inbox classify --json``, InboundMessage.details)."""

from __future__ import annotations

from typing import Any

from outreach.mailbox.classify import Classification, Kind
from outreach.mailbox.classify.intent import IntentResult


def classification_dict(result: Classification) -> dict[str, Any]:
    """``kind`` and the details that matter for its kind."""
    out: dict[str, Any] = {"kind": result.kind.value, "evidence": result.evidence}
    if result.kind is Kind.BOUNCE and result.bounce is not None:
        bounce = result.bounce
        out.update(
            hard=bounce.hard,
            final=bounce.final,
            recipients=list(bounce.addresses),
            status=bounce.status,
            original_message_id=bounce.original_message_id,
            reasons=[recipient.reason.value for recipient in bounce.recipients],
        )
    elif result.kind is Kind.AUTO_REPLY:
        back = result.auto_reply.return_date if result.auto_reply else None
        out["return_date"] = back.isoformat() if back else None
    if result.kind in (Kind.REPLY, Kind.UNSUBSCRIBE, Kind.AUTO_REPLY):
        out["new_text"] = result.new_text
    if result.flags:
        out["flags"] = sorted(result.flags)
    return out


def intent_dict(result: Classification, intent: IntentResult | None) -> dict[str, Any]:
    """A reply's ``intent``, ``intent_until`` (ISO day or None), ``referral`` (addresses),
    ``confidence`` and ``needs_review``; nothing for other kinds. A reply whose intent
    could not be read is ``other``, to be reviewed."""
    if result.kind is not Kind.REPLY:
        return {}
    if intent is None:
        return {"intent": "other", "intent_until": None, "referral": [], "confidence": 0.0,
                "needs_review": True}  # fmt: skip
    return {
        "intent": intent.intent.value,
        "intent_until": intent.until.isoformat() if intent.until else None,
        "referral": list(intent.referral),
        "confidence": round(intent.confidence, 4),
        "needs_review": intent.needs_review,
        "why": list(intent.why),
    }
