"""What a CSV file would import, before it is imported: how it was read, where each column
goes (with an example value), and which rows are rejected and why — the same reading as
``outreach prospects import`` (``read_csv_text`` → ``parse_prospects``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from outreach.prospects import ParsedProspects, parse_prospects, read_csv_text
from outreach.prospects.csv_reader import count_lines
from outreach.prospects.rows import ProspectRow

STANDARD_NAMES = {
    "email": "address", "first_name": "first name", "last_name": "last name",
    "company": "company", "timezone": "timezone",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnPreview:
    header: str
    goes_to: str
    """``address``, ``company`` … or ``custom field {{ job_title }}``."""
    example: str


@dataclass(frozen=True)
class ImportPreview:
    parsed: ParsedProspects
    columns: tuple[ColumnPreview, ...]

    @property
    def described(self) -> str:
        """``leads.csv: cp1252, semicolon-separated, 12 rows``."""
        source = self.parsed.source
        return (
            f"{source.path.name}: {source.encoding}, {source.delimiter_name}-separated, "
            f"{self.parsed.records} rows"
        )


def line_count(path: Path) -> int:
    """The physical lines of ``path`` as read for an import (for a progress bar)."""
    return count_lines(read_csv_text(path))


def preview_import(
    path: Path, on_progress: Callable[[int], None] | None = None, *, smtputf8: bool = False
) -> ImportPreview:
    """Read and check ``path`` (nothing is saved); raises CsvFileError for an unusable file.

    ``on_progress`` gets the line reached now and then."""
    parsed = parse_prospects(read_csv_text(path), on_progress, smtputf8=smtputf8)
    first = parsed.rows[0] if parsed.rows else None
    columns = tuple(
        ColumnPreview(
            column.header,
            STANDARD_NAMES.get(column.key, column.key)
            if column.standard
            else f"custom field {{{{ {column.key} }}}}",
            _example(first, column.key, column.standard),
        )
        for column in parsed.columns.columns
    )
    return ImportPreview(parsed, columns)


def _example(row: ProspectRow | None, key: str, standard: bool) -> str:
    if row is None:
        return ""
    value = getattr(row, key, None) if standard else row.fields.get(key)
    return str(value or "")
