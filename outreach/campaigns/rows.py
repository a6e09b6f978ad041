"""Finding a campaign by name (shared by the campaign commands)."""

from __future__ import annotations

from sqlmodel import Session, select

from outreach.errors import NotFoundError
from outreach.i18n import _
from outreach.store.models import Campaign


def get_campaign(session: Session, name: str) -> Campaign:
    row = session.exec(select(Campaign).where(Campaign.name == name)).first()
    if row is None:
        raise NotFoundError(
            _("no campaign {name}").format(name=repr(name)),
            hint=_("see `outreach campaign list` for the existing ones"),
        )
    return row
