"""Looking prospects up: list with filters, show one, and their plain-dict form for output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from outreach.addresses import normalize_address
from outreach.errors import ConfigError, NotFoundError
from outreach.i18n import _
from outreach.store.models import Prospect, ProspectTag, Suppression

SEARCHED = (Prospect.email, Prospect.first_name, Prospect.last_name, Prospect.company)


@dataclass(frozen=True)
class ProspectPage:
    """Some prospects (at most the limit asked for) and how many match in all."""

    prospects: tuple[Prospect, ...]
    total: int


def list_prospects(
    session: Session, *, tag: str | None = None, search: str | None = None, limit: int = 50
) -> ProspectPage:
    """Prospects by address, filtered by tag and by a case-insensitive substring."""
    if limit < 1:
        raise ConfigError(_("--limit must be at least 1, not {value}").format(value=limit))
    query = _filtered(select(Prospect), tag, search)
    total = session.exec(_filtered(select(func.count(col(Prospect.id))), tag, search)).one()
    rows = session.exec(query.order_by(col(Prospect.email)).limit(limit))
    return ProspectPage(prospects=tuple(rows), total=total)


def _filtered(query: SelectOfScalar[Any], tag: str | None, search: str | None) -> Any:
    if tag is not None:
        query = query.where(
            col(Prospect.id).in_(select(ProspectTag.prospect_id).where(ProspectTag.tag == tag))
        )
    if search:
        query = query.where(or_(*(col(c).icontains(search, autoescape=True) for c in SEARCHED)))
    return query


def get_prospect(session: Session, email: str) -> Prospect:
    """The prospect with this address; :class:`NotFoundError` if there is none."""
    try:
        key = normalize_address(email)
    except ConfigError:
        key = email.strip().lower()
    row = session.exec(select(Prospect).where(Prospect.email == key)).first()
    if row is None:
        raise NotFoundError(_("no prospect {email}").format(email=repr(email)),
                            hint=_("see `outreach prospects list`"))
    return row


def tags_by_prospect(session: Session, prospect_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each prospect's tags, sorted."""
    query = (
        select(ProspectTag)
        .where(col(ProspectTag.prospect_id).in_(prospect_ids))
        .order_by(col(ProspectTag.tag))
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(query):
        tags[row.prospect_id].append(row.tag)
    return tags


def prospect_record(
    prospect: Prospect, tags: Sequence[str], suppression: Suppression | None
) -> dict[str, Any]:
    """A prospect as plain data for ``--json`` and tables."""
    return {
        "email": prospect.email,
        "first_name": prospect.first_name,
        "last_name": prospect.last_name,
        "company": prospect.company,
        "timezone": prospect.timezone,
        "fields": dict(prospect.fields),
        "tags": list(tags),
        "suppressed": None if suppression is None else _suppression(suppression),
        "created_at": prospect.created_at,
        "updated_at": prospect.updated_at,
    }


def _suppression(row: Suppression) -> dict[str, Any]:
    return {"value": row.value, "reason": row.reason, "source": row.source}
