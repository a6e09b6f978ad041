"""What a CSV file would import, before it is imported: how it was read, where each column
goes (with an example value), and which rows are rejected and why — the same reading as
``outreach prospects import`` (``read_csv_text`` → ``parse_prospects``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from outreach.i18n import N_, _, ngettext, number
from outreach.prospects import ParsedProspects, parse_prospects, read_csv_text
from outreach.prospects.csv_reader import count_lines
from outreach.prospects.rows import ProspectRow

STANDARD_NAMES = {
    "email": N_("address"), "first_name": N_("first name"), "last_name": N_("last name"),
    "company": N_("company"), "timezone": N_("timezone"),
}  # fmt: skip
DELIMITER_WORDS = {"comma": N_("comma"), "semicolon": N_("semicolon"), "tab": N_("tab")}


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
        separator = source.delimiter_name
        rows = ngettext("{count} row", "{count} rows", self.parsed.records).format(
            count=number(self.parsed.records))
        return _("{file}: {encoding}, {separator}-separated, {rows}").format(
            file=source.path.name, encoding=source.encoding,
            separator=_(DELIMITER_WORDS[separator]) if separator in DELIMITER_WORDS
            else separator, rows=rows)


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
            _(STANDARD_NAMES[column.key]) if column.standard and column.key in STANDARD_NAMES
            else column.key if column.standard
            else _("custom field {field}").format(field=f"{{{{ {column.key} }}}}"),
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
