"""Writing parsed prospects to the store, fast: one IN query and bulk statements per batch.

A re-import updates: non-empty values overwrite, empty ones never clear, custom fields are
merged, tags are added (never removed). All valid rows of a file go in one transaction, so
an interrupted import leaves the database as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import Engine, Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.prospects.rows import Duplicate, ParsedProspects, ProspectRow, Rejection, RowWarning
from outreach.prospects.suppression import suppressions_for
from outreach.store.models import Prospect, ProspectTag, utcnow

BATCH = 500  # addresses per IN (...) query and per bulk statement
COLUMNS = ("first_name", "last_name", "company", "timezone")
# Core tables: plain executemany is several times faster than the ORM's bulk paths here.
PROSPECTS: Table = Prospect.__table__  # type: ignore[attr-defined]
TAGS: Table = ProspectTag.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SuppressedProspect:
    """An imported prospect that campaigns will skip, and the entry that says so."""

    email: str
    value: str
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    """What importing one file did (or, with ``dry_run``, would do)."""

    file: str
    encoding: str
    delimiter: str
    dry_run: bool
    tags: tuple[str, ...]
    records: int
    created: int
    updated: int
    unchanged: int
    duplicates: tuple[Duplicate, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[RowWarning, ...]
    suppressed: tuple[SuppressedProspect, ...]
    custom_fields: tuple[str, ...]
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``: the counts, then every row behind each count."""
        plain = (f.name for f in fields(self) if not isinstance(getattr(self, f.name), tuple))
        data = {name: getattr(self, name) for name in plain}
        return data | {
            "tags": list(self.tags),
            "duplicates": len(self.duplicates),
            "rejected": len(self.rejected),
            "suppressed": len(self.suppressed),
            "custom_fields": list(self.custom_fields),
            "notes": list(self.notes),
            "rejected_rows": [asdict(r) for r in self.rejected],
            "warnings": [asdict(w) for w in self.warnings],
            "duplicate_rows": [asdict(d) for d in self.duplicates],
            "suppressed_prospects": [asdict(s) for s in self.suppressed],
        }


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped and de-duplicated (case is kept); an empty tag is a :class:`ConfigError`."""
    cleaned = tuple(dict.fromkeys(tag.strip() for tag in tags))
    if "" in cleaned:
        raise ConfigError(_("--tag needs a non-empty value"))
    return cleaned


def import_prospects(
    engine: Engine,
    parsed: ParsedProspects,
    *,
    tags: Sequence[str] = (),
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Create or update every valid row of ``parsed`` in one transaction.

    With ``dry_run`` everything runs and is counted, then rolled back. ``on_progress`` is
    called with the number of rows written after each batch.
    """
    tags = normalize_tags(tags)
    counts: Counter[str] = Counter()
    with Session(engine, expire_on_commit=False) as session:
        for batch in _batches(parsed.rows, BATCH):
            counts.update(_write_batch(session, batch, tags))
            if on_progress is not None:
                on_progress(len(batch))
        hits = suppressions_for(session, [row.email for row in parsed.rows])
        if dry_run:
            session.rollback()
        else:
            session.commit()
    suppressed = tuple(SuppressedProspect(e, s.value, s.reason) for e, s in hits.items())
    return _summary(parsed, tags, dry_run, counts, suppressed)


def _summary(
    parsed: ParsedProspects,
    tags: tuple[str, ...],
    dry_run: bool,
    counts: Counter[str],
    suppressed: tuple[SuppressedProspect, ...],
) -> ImportSummary:
    source = parsed.source
    return ImportSummary(
        file=str(source.path),
        encoding=source.encoding,
        delimiter=source.delimiter_name,
        dry_run=dry_run,
        tags=tags,
        records=parsed.records,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        duplicates=parsed.duplicates,
        rejected=parsed.rejected,
        warnings=parsed.warnings,
        suppressed=suppressed,
        custom_fields=tuple(c.key for c in parsed.columns.columns if not c.standard),
        notes=parsed.columns.notes,
    )


def _batches(rows: Sequence[ProspectRow], size: int) -> Iterator[Sequence[ProspectRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write_batch(
    session: Session, batch: Sequence[ProspectRow], tags: tuple[str, ...]
) -> Counter[str]:
    existing = _existing(session, [row.email for row in batch])
    new = [row for row in batch if row.email not in existing]
    changes = [_changes(existing[r.email], r) for r in batch if r.email in existing]
    changed = {change["id"] for change in changes if change}
    ids = {email: old["id"] for email, old in existing.items()} | _insert(session, new)
    _update(session, [change for change in changes if change])
    changed |= _add_tags(session, [ids[e] for e in existing], tags)
    _add_tags(session, [ids[row.email] for row in new], tags)
    unchanged = len(existing) - len(changed)
    return Counter(created=len(new), updated=len(changed), unchanged=unchanged)


def _existing(session: Session, emails: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    names = ("id", "email", *COLUMNS, "fields")
    query = sa_select(*(col(getattr(Prospect, n)) for n in names)).where(
        col(Prospect.email).in_(emails)
    )
    rows = session.connection().execute(query)
    return {row.email: dict(zip(names, row, strict=True)) for row in rows}


def _changes(old: Mapping[str, Any], row: ProspectRow) -> dict[str, Any]:
    """The new values of an existing prospect (``id`` included), or ``{}`` if nothing changes."""
    new = {name: getattr(row, name) or old[name] for name in COLUMNS}
    new["fields"] = {**(old["fields"] or {}), **row.fields}
    if all(new[name] == old[name] for name in new):
        return {}
    return {"id": old["id"], **new, "updated_at": utcnow()}


def _insert(session: Session, rows: Sequence[ProspectRow]) -> dict[str, int]:
    """Insert with one executemany, then read the new ids back with one IN query."""
    if not rows:
        return {}
    now = utcnow()
    session.connection().execute(insert(PROSPECTS), [_insert_values(r, now) for r in rows])
    query = sa_select(PROSPECTS.c.email, PROSPECTS.c.id).where(
        PROSPECTS.c.email.in_([r.email for r in rows])
    )
    return {row.email: row.id for row in session.connection().execute(query)}


def _insert_values(row: ProspectRow, now: Any) -> dict[str, Any]:
    return {
        "email": row.email,
        "domain": row.domain,
        **{name: getattr(row, name) for name in COLUMNS},
        "fields": dict(row.fields),
        "created_at": now,
        "updated_at": now,
    }


_UPDATE = (
    update(PROSPECTS)
    .where(PROSPECTS.c.id == bindparam("_id"))
    .values({name: bindparam(f"_{name}") for name in (*COLUMNS, "fields", "updated_at")})
)


def _update(session: Session, changes: list[dict[str, Any]]) -> None:
    if changes:
        params = [{f"_{key}": value for key, value in change.items()} for change in changes]
        session.connection().execute(_UPDATE, params)


def _add_tags(session: Session, prospect_ids: list[int], tags: tuple[str, ...]) -> set[int]:
    """Give each prospect each tag; the ids of prospects that got a tag they lacked."""
    if not prospect_ids or not tags:
        return set()
    query = select(ProspectTag.prospect_id, ProspectTag.tag).where(
        col(ProspectTag.prospect_id).in_(prospect_ids), col(ProspectTag.tag).in_(tags)
    )
    have = set(session.exec(query))
    missing = [(pid, tag) for pid in prospect_ids for tag in tags if (pid, tag) not in have]
    if missing:
        params = [{"prospect_id": pid, "tag": tag} for pid, tag in missing]
        session.connection().execute(insert(TAGS), params)
    return {pid for pid, _unused in missing}


def ensure_prospect(
    session: Session,
    email: str,
    *,
    fields: Mapping[str, str],
    tags: Sequence[str],
    names: Mapping[str, str | None] | None = None,
) -> int:
    """The id of the prospect with this (normalized) address, created when new, its custom
    ``fields`` merged, its empty ``names`` (first_name, last_name, company, timezone)
    filled and ``tags`` added, as an import would."""
    known = {key: value for key, value in (names or {}).items() if key in COLUMNS}
    row = ProspectRow(0, email, fields=dict(fields), **known)
    _write_batch(session, [row], normalize_tags(tags))
    query = sa_select(PROSPECTS.c.id).where(PROSPECTS.c.email == email)
    return int(session.connection().execute(query).scalar_one())
