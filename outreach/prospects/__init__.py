"""Prospects: reading spreadsheet exports (pure) and writing them to the store (service).

``read_csv_text`` → ``parse_prospects`` → :func:`outreach.prospects.service.import_prospects`
is the whole import; every file-level problem raises before the database is touched. The
service is not re-exported here: it uses :mod:`outreach.prospects.suppression`, which itself reads
files with this package's CSV reader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outreach.prospects.csv_reader import CsvFileError, CsvText, read_csv_text
    from outreach.prospects.queries import (
        ProspectPage,
        get_prospect,
        list_prospects,
        prospect_record,
        tags_by_prospect,
    )
    from outreach.prospects.rows import ParsedProspects, ProspectRow, parse_prospects

_WHERE = {
    "CsvFileError": "csv_reader",
    "CsvText": "csv_reader",
    "read_csv_text": "csv_reader",
    "ProspectPage": "queries",
    "get_prospect": "queries",
    "list_prospects": "queries",
    "prospect_record": "queries",
    "tags_by_prospect": "queries",
    "ParsedProspects": "rows",
    "ProspectRow": "rows",
    "parse_prospects": "rows",
}

__all__ = [
    "CsvFileError",
    "CsvText",
    "ParsedProspects",
    "ProspectPage",
    "ProspectRow",
    "get_prospect",
    "list_prospects",
    "parse_prospects",
    "prospect_record",
    "read_csv_text",
    "tags_by_prospect",
]


def __getattr__(name: str) -> Any:
    """The names above load on first use (the queries need SQLAlchemy; a sequence check,
    which reads only the column aliases, does not)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
