"""From CSV records to prospect rows: validation, rejections with line numbers, de-duplication.

Pure: no database. Decisions a user meets here:

* an invalid or missing address rejects the row (it can never be written to);
* a timezone that is not an IANA name keeps the row without a timezone and adds a warning
  (losing a lead over a typo in an optional column would be worse); names are matched
  ignoring case, so ``europe/berlin`` is stored as ``Europe/Berlin``;
* the same address twice in one file: the rows are merged, later non-empty values winning,
  and each later row is counted as a duplicate.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from outreach.addresses import domain_of, needs_smtputf8, normalize_address
from outreach.errors import ConfigError
from outreach.i18n import _, ngettext
from outreach.prospects.columns import ColumnMap, map_columns
from outreach.prospects.csv_reader import (
    CsvFileError,
    CsvText,
    Record,
    count_lines,
    iter_records,
)

PROGRESS_EVERY = 500
ONE_LINE_FIELDS = ("first_name", "last_name", "company")
"""Fields that go into headers (the ``To`` name, subjects): a line break there would
fail every send to the person."""
_LINE_BREAK = re.compile(r"\s*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")


@dataclass(frozen=True)
class ProspectRow:
    """A valid prospect from the file; ``line`` is where the address first appears."""

    line: int
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return domain_of(self.email)

    def merged_with(self, later: ProspectRow) -> ProspectRow:
        """This row updated by a later one: its non-empty values win."""
        return replace(
            self,
            first_name=later.first_name or self.first_name,
            last_name=later.last_name or self.last_name,
            company=later.company or self.company,
            timezone=later.timezone or self.timezone,
            fields={**self.fields, **later.fields},
        )


@dataclass(frozen=True)
class Rejection:
    """A row that was not imported, and why."""

    line: int
    reason: str
    value: str | None = None


@dataclass(frozen=True)
class RowWarning:
    """A row that was imported, but not entirely as written."""

    line: int
    message: str


@dataclass(frozen=True)
class Duplicate:
    """A row whose address already appeared earlier in the same file (merged into it)."""

    line: int
    first_line: int
    email: str


@dataclass(frozen=True)
class ParsedProspects:
    """Everything a prospect CSV says, ready to be written."""

    source: CsvText
    columns: ColumnMap
    records: int
    rows: tuple[ProspectRow, ...]
    rejected: tuple[Rejection, ...]
    duplicates: tuple[Duplicate, ...]
    warnings: tuple[RowWarning, ...]


@lru_cache(maxsize=1)
def _timezones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def canonical_timezone(value: str) -> str | None:
    """The IANA name for ``value`` (case-insensitive), or ``None`` if there is none."""
    return _timezones_by_folded_name().get(value.strip().casefold())


class _Collector:
    """Accumulates the outcome of each record in file order."""

    def __init__(
        self, columns: ColumnMap, width: int, delimiter: str = ",", smtputf8: bool = False
    ) -> None:
        self.smtputf8 = smtputf8
        self.columns = columns
        self.width = width
        self.delimiter = delimiter
        self.rows: dict[str, ProspectRow] = {}
        self.rejected: list[Rejection] = []
        self.duplicates: list[Duplicate] = []
        self.warnings: list[RowWarning] = []

    def add(self, record: Record) -> None:
        swallowed = self._swallowed(record)
        if swallowed is not None:
            self.rejected.append(swallowed)
            return
        values = self._values(record)
        raw = values.pop("email", None)
        if raw is None:
            self.rejected.append(Rejection(record.line, _("no e-mail address")))
            return
        try:
            email = normalize_address(raw, smtputf8=self.smtputf8)
        except ConfigError as exc:
            reason = exc.message
            if needs_smtputf8(raw.strip()) and not self.smtputf8:
                reason += "; " + _(
                    "import with --allow-smtputf8 if your mailbox's server offers it")
            self.rejected.append(Rejection(record.line, reason, raw))
            return
        self._keep(self._row(record.line, email, values))

    def _swallowed(self, record: Record) -> Rejection | None:
        """A quote left open: the field ran on over the next lines, which look like rows.

        A legitimate multi-line field (an address) leaves its record as wide as the
        header; an unterminated quote leaves it short, or has whole rows inside the field.
        """
        if record.last_line == record.line:
            return None
        for index, cell in enumerate(record.cells):
            tail = cell.split("\n")[1:]
            short = len(record.cells) < self.width
            if tail and (short or any(self._looks_like_a_row(line) for line in tail)):
                return Rejection(
                    record.line,
                    _("a quote opened in column {column} is not closed on this line: lines "
                      "{first}–{last} were read into that field (close the quote, or remove it, "
                      "and import again)").format(column=repr(self._column_name(index)),
                                                  first=record.line + 1, last=record.last_line),
                    cell.split("\n")[0],
                )
        return None

    def _looks_like_a_row(self, line: str) -> bool:
        return self.width > 1 and "@" in line and line.count(self.delimiter) >= self.width - 1

    def _column_name(self, index: int) -> str:
        for column in self.columns.columns:
            if column.index == index:
                return column.header
        return f"#{index + 1}"

    def _values(self, record: Record) -> dict[str, str]:
        cells = record.cells
        extra = [c for c in cells[self.width :] if c.strip()]
        if extra:
            self.warnings.append(
                RowWarning(record.line, ngettext(
                    "{count} value right of the last column ignored",
                    "{count} values right of the last column ignored", len(extra)).format(
                    count=len(extra)))
            )
        values = {
            column.key: cells[column.index].strip().replace("\r\n", "\n")
            for column in self.columns.columns
            if column.index < len(cells)
        }
        return {key: value for key, value in values.items() if value}

    def _row(self, line: int, email: str, values: dict[str, str]) -> ProspectRow:
        for key in ONE_LINE_FIELDS:
            if key in values and _LINE_BREAK.search(values[key]):
                values[key] = " ".join(_LINE_BREAK.split(values[key])).strip()
                self.warnings.append(
                    RowWarning(line, _("{field}: line breaks replaced by spaces (it goes into "
                               "mail headers, which are one line)").format(field=key))
                )  # fmt: skip
        return ProspectRow(
            line=line,
            email=email,
            first_name=values.pop("first_name", None),
            last_name=values.pop("last_name", None),
            company=values.pop("company", None),
            timezone=self._timezone(line, values.pop("timezone", None)),
            fields=values,
        )

    def _timezone(self, line: int, value: str | None) -> str | None:
        if value is None:
            return None
        name = canonical_timezone(value)
        if name is None:
            self.warnings.append(
                RowWarning(
                    line,
                    _("timezone {value} is not an IANA time zone (like Europe/Berlin); "
                      "imported without a timezone").format(value=repr(value)),
                )
            )
        return name

    def _keep(self, row: ProspectRow) -> None:
        earlier = self.rows.get(row.email)
        if earlier is None:
            self.rows[row.email] = row
            return
        self.duplicates.append(Duplicate(row.line, earlier.line, row.email))
        self.rows[row.email] = earlier.merged_with(row)


def parse_prospects(
    source: CsvText,
    on_progress: Callable[[int], None] | None = None,
    *,
    smtputf8: bool = False,
) -> ParsedProspects:
    """Validate every record of ``source``; file-level problems raise :class:`CsvFileError`.

    ``on_progress`` is called now and then with the physical line reached. Addresses with a
    non-ASCII local part are rejected unless ``smtputf8`` (the sending server offers it).
    """
    records = iter_records(source)
    header = _header(source, records)
    columns = map_columns(header.cells, where=_("{file}, line {line}").format(
        file=source.path, line=header.line))
    collector = _Collector(columns, len(header.cells), source.delimiter, smtputf8)
    collector.warnings += [RowWarning(w.line, w.message) for w in source.warnings]
    count = 0
    for count, record in enumerate(records, start=1):
        collector.add(record)
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(record.line)
    if on_progress is not None:
        on_progress(count_lines(source))
    if count == 0:
        raise CsvFileError(
            _("{file}: the file has a header (line {line}) but no rows below it").format(
                file=source.path, line=header.line)
        )
    return ParsedProspects(
        source=source,
        columns=columns,
        records=count,
        rows=tuple(collector.rows.values()),
        rejected=tuple(collector.rejected),
        duplicates=tuple(collector.duplicates),
        warnings=tuple(collector.warnings),
    )


def _header(source: CsvText, records: Iterator[Record]) -> Record:
    header = next(records, None)
    if header is None:
        raise CsvFileError(_("{file}: the file has no header and no rows").format(
            file=source.path))
    return header
