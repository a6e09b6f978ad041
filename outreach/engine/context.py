"""Everything one send needs, loaded in one query (the engine's hot path)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from outreach.campaigns.context import campaign_sequence
from outreach.sequences import Sequence
from outreach.store.models import Campaign, Enrollment, Mailbox, Prospect, Send


@dataclass(frozen=True)
class SendContext:
    send: Send
    enrollment: Enrollment
    prospect: Prospect
    campaign: Campaign
    mailbox: Mailbox

    @property
    def sequence(self) -> Sequence:
        return campaign_sequence(self.campaign)


def load_context(session: Session, send_id: int | None, *, lock: bool = False) -> SendContext:
    """The send and its enrollment, prospect, campaign and mailbox rows, in one round trip."""
    query = (
        select(Send, Enrollment, Prospect, Campaign, Mailbox)
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
        .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
        .join(Mailbox, col(Mailbox.id) == col(Send.mailbox_id))
        .where(col(Send.id) == send_id)
    )
    if lock:
        query = query.with_for_update(of=Send)
    send, enrollment, prospect, campaign, mailbox = session.execute(query).one()
    return SendContext(send, enrollment, prospect, campaign, mailbox)
