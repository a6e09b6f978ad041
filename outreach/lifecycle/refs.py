"""An enrollment as the lifecycle and the watcher's matching see it (a plain value)."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.lifecycle.events import Subject
from outreach.store.states import LIVE


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
