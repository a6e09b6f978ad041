"""Prospects for the TUI's table: searched, sorted and paged in the database.

Only one page of rows ever leaves the database, so the table stays quick at 100,000
prospects: the default order (by address) walks the unique e-mail index; a search is a
case-insensitive substring match over address, names and company.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine, func, literal, or_, select
from sqlmodel import Session, col

from outreach import wording
from outreach.prospects import tags_by_prospect
from outreach.prospects.suppression import suppressions_for
from outreach.store.models import Prospect
from outreach.views.common import Page, check_page_args

SortKey = Literal["email", "name", "company", "timezone", "created"]
SORT_KEYS: tuple[SortKey, ...] = ("email", "name", "company", "timezone", "created")
SEARCHED = (Prospect.email, Prospect.first_name, Prospect.last_name, Prospect.company)
PAGE_SIZE = 100


@dataclass(frozen=True)
class ProspectQuery:
    """What the prospects table asks for."""

    search: str = ""
    sort: SortKey = "email"
    descending: bool = False
    offset: int = 0
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class ProspectRow:
    id: int
    email: str
    first_name: str
    last_name: str
    company: str
    timezone: str
    tags: tuple[str, ...] = ()
    suppressed: str | None = None
    """The suppression entry's reason when suppressed (by address or domain)."""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def search_prospects(db: Engine, query: ProspectQuery) -> Page[ProspectRow]:
    """One page of prospects matching ``query`` and how many match in all.

    Without a search the page walks an index and the count is a separate cheap query. A
    search is one scan: its page and count come from the same query (a window count).
    """
    check_page_args(query.offset, query.limit)
    where = search_where(query.search, db.dialect.name)
    counted = func.count().over().label("total") if where else literal(0).label("total")
    with Session(db) as session:
        rows = session.execute(
            select(*_COLUMNS, counted)
            .where(*where)
            .order_by(*_order(query.sort, query.descending))
            .offset(query.offset)
            .limit(query.limit)
        ).all()
        total = rows[0].total if rows and where else _count(session, where)
        ids = [row.id for row in rows]
        tags = tags_by_prospect(session, ids)
        blocked = suppressions_for(session, [row.email for row in rows])
    result = tuple(_row(row, tags.get(row.id, []), blocked.get(row.email)) for row in rows)
    return Page(result, int(total or 0), query.offset, query.limit)


_COLUMNS = tuple(
    col(c)
    for c in (
        Prospect.id,
        Prospect.email,
        Prospect.first_name,
        Prospect.last_name,
        Prospect.company,
        Prospect.timezone,
        Prospect.fields,
    )
)


def _count(session: Session, where: list[Any]) -> int:
    return int(
        session.execute(select(func.count()).select_from(Prospect).where(*where)).scalar() or 0
    )


def search_where(search: str, dialect: str) -> list[Any]:
    """A case-insensitive substring match on the searched columns.

    SQLite's LIKE already ignores ASCII case (and ``lower()`` folds no more than that),
    so it gets a plain LIKE — four times faster than ``lower(x) LIKE`` at 100k rows.
    """
    text = search.strip()
    if not text:
        return []
    if dialect == "sqlite":
        return [or_(*(col(c).contains(text, autoescape=True) for c in SEARCHED))]
    return [or_(*(col(c).icontains(text, autoescape=True) for c in SEARCHED))]


def _order(sort: SortKey, descending: bool) -> list[Any]:
    columns: dict[SortKey, list[Any]] = {
        "email": [col(Prospect.email)],
        "name": [col(Prospect.last_name), col(Prospect.first_name), col(Prospect.email)],
        "company": [col(Prospect.company), col(Prospect.email)],
        "timezone": [col(Prospect.timezone), col(Prospect.email)],
        "created": [col(Prospect.id)],
    }
    chosen = columns[sort]
    return [c.desc() for c in chosen] if descending else chosen


def _row(row: Any, tags: list[str], suppression: Any) -> ProspectRow:
    return ProspectRow(
        id=row.id,
        email=row.email,
        first_name=row.first_name or "",
        last_name=row.last_name or "",
        company=row.company or "",
        timezone=row.timezone or "",
        tags=tuple(tags),
        suppressed=None if suppression is None
        else f"{wording.suppression_reason(suppression.reason)} ({suppression.value})",
        fields={str(k): str(v) for k, v in (row.fields or {}).items()},
    )


def prospect_by_email(db: Engine, email: str) -> ProspectRow | None:
    """One prospect by address (as stored: lower case), or None."""
    with Session(db) as session:
        row = session.execute(
            select(*_COLUMNS).where(col(Prospect.email) == email.strip().lower())
        ).first()
        if row is None:
            return None
        tags = tags_by_prospect(session, [row.id]).get(row.id, [])
        blocked = suppressions_for(session, [row.email]).get(row.email)
    return _row(row, tags, blocked)


def first_prospect_email(db: Engine) -> str | None:
    """The first prospect by address (a sensible default for a preview)."""
    with Session(db) as session:
        return session.execute(select(col(Prospect.email)).order_by(col(Prospect.email))).scalar()
