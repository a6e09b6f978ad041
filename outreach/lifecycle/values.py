"""The lifecycle's plain values (pure): whom an event is about, what caused a change, an
enrollment as the rules and the watcher's matching see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from outreach.states import LIVE


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


@dataclass(frozen=True)
class EnrollmentRef:
    """An enrollment as the lifecycle acts on it (any state; matching sees ended ones too)."""

    id: int
    campaign_id: int
    prospect_id: int
    mailbox_id: int | None
    email: str
    domain: str
    state: str
    campaign_name: str = ""

    @property
    def live(self) -> bool:
        return self.state in LIVE

    @property
    def subject(self) -> Subject:
        return Subject(self.campaign_id, self.id, self.prospect_id, self.mailbox_id)


def pending_review(details: Mapping[str, object], manual_kind: str | None) -> str | None:
    """Why a stored message still waits for a person: its ``held`` reason, until someone
    re-classifies it by hand (None when it acted, or was reviewed)."""
    held = details.get("held")
    return str(held) if held and manual_kind is None else None
