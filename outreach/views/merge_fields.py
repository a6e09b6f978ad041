"""The merge fields a sequence may use: the one rule of ``sequence check`` (CLI and TUI).

Read through a :class:`~outreach.store.reading.Reader`, so ``outreach sequence check`` runs
without loading SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from outreach.prospects.columns import ALIASES
from outreach.sequences.preflight import KnownFields
from outreach.store.reading import Reader, json_value, reader_of

if TYPE_CHECKING:
    from sqlalchemy import Engine


def known_merge_fields(db: Engine | Reader) -> KnownFields:
    """The standard fields plus every custom CSV column an imported prospect has; the
    import's header aliases (``Firma`` → ``company``) feed the did-you-mean."""
    return KnownFields.of(custom_columns(reader_of(db)), ALIASES)


def custom_columns(reader: Reader) -> set[str]:
    """Every key of the prospects' custom fields (SQLite lists them in SQL with JSON1;
    elsewhere the field sets are read and their keys collected)."""
    if reader.dialect == "sqlite":
        rows = reader.rows("SELECT DISTINCT j.key FROM prospect, json_each(prospect.fields) j")
        return {str(key) for (key,) in rows}
    rows = reader.rows("SELECT fields FROM prospect")
    return {str(key) for (fields,) in rows for key in json_value(fields) or {}}
