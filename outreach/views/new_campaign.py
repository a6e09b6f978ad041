"""What the TUI's new-campaign form offers: sequence files, mailboxes, prospect tags, and
which prospects a choice of tags and a search matches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from outreach.i18n import _
from outreach.store.models import Mailbox, Prospect, ProspectTag
from outreach.views.prospects import search_where
from outreach.views.sequences import sequence_files

SHOWN_MATCHES = 8


@dataclass(frozen=True)
class CampaignChoices:
    sequences: tuple[Path, ...]
    mailboxes: tuple[tuple[str, bool], ...]
    """Every mailbox and whether it is paused."""
    tags: tuple[tuple[str, int], ...]
    """Every tag and how many prospects carry it."""


@dataclass(frozen=True)
class Matching:
    """The prospects a choice matches: how many, and the first few addresses."""

    emails: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.emails)

    def sample(self) -> str:
        shown = ", ".join(self.emails[:SHOWN_MATCHES])
        more = self.count - SHOWN_MATCHES
        return shown + (" … " + _("and {count} more").format(count=more) if more > 0 else "")


def campaign_choices(db: Engine, folders: Sequence[Path]) -> CampaignChoices:
    with Session(db) as session:
        boxes = session.execute(
            select(col(Mailbox.email), col(Mailbox.paused)).order_by(col(Mailbox.email))
        )
        tags = session.execute(
            select(col(ProspectTag.tag), func.count())
            .group_by(col(ProspectTag.tag))
            .order_by(col(ProspectTag.tag))
        )
        mailboxes = tuple((str(e), bool(p)) for e, p in boxes.all())
        counted = tuple((str(t), int(n)) for t, n in tags.all())
    return CampaignChoices(sequence_files(folders), mailboxes, counted)


def matching_prospects(db: Engine, tags: Sequence[str], search: str) -> Matching:
    """Prospects with any of ``tags`` (all when none chosen) whose address, name or company
    contains ``search``; by address."""
    query = select(col(Prospect.email)).where(*search_where(search, db.dialect.name))
    if tags:
        tagged = select(col(ProspectTag.prospect_id)).where(col(ProspectTag.tag).in_(list(tags)))
        query = query.where(col(Prospect.id).in_(tagged))
    with Session(db) as session:
        emails = session.execute(query.order_by(col(Prospect.email))).scalars().all()
    return Matching(tuple(emails))
