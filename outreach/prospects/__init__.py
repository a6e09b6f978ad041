"""Prospects: reading spreadsheet exports (pure) and writing them to the store (service).

``read_csv_text`` → ``parse_prospects`` → :func:`outreach.prospects.service.import_prospects`
is the whole import; every file-level problem raises before the database is touched. The
service is not re-exported here: it uses :mod:`outreach.prospects.suppression`, which itself reads
files with this package's CSV reader.
"""

from __future__ import annotations

from outreach.prospects.csv_reader import CsvFileError, CsvText, read_csv_text
from outreach.prospects.queries import (
    ProspectPage,
    get_prospect,
    list_prospects,
    prospect_record,
    tags_by_prospect,
)
from outreach.prospects.rows import ParsedProspects, ProspectRow, parse_prospects

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
