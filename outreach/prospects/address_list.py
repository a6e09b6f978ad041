"""Reading a list of addresses (and ``@domain`` values) from a file, e.g. for suppression.

Two shapes are accepted, with the same encoding and delimiter detection as prospect CSVs:

* a CSV whose header names an e-mail column (any alias the prospect import knows);
* a plain list, one value per line; lines starting with ``#`` are comments, and a first line
  that is not a value is taken for a header and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.prospects.columns import map_columns
from outreach.prospects.csv_reader import (
    CsvFileError,
    CsvText,
    Record,
    detect_delimiter,
    iter_records,
)
from outreach.prospects.rows import Rejection

Normalizer = Callable[[str], str]
_COMMENT = re.compile(r"^[ \t]*#[^\r\n]*", re.MULTILINE)


@dataclass(frozen=True)
class AddressList:
    """The valid, normalized values of a file (first occurrence order) and the rejected lines."""

    source: CsvText
    values: tuple[str, ...]
    rejected: tuple[Rejection, ...]


def parse_address_list(source: CsvText, normalize: Normalizer) -> AddressList:
    """Every value of ``source`` passed through ``normalize`` (which raises ConfigError)."""
    source = _without_comments(source)
    records = iter_records(source)
    header = next(records, None)
    if header is None:
        raise CsvFileError(_("{file}: the file has no values").format(file=source.path))
    values: dict[str, None] = {}
    rejected: list[Rejection] = []
    for line, raw in _raw_values(source.path, header, records, normalize):
        if not raw:
            rejected.append(Rejection(line, _("no e-mail address")))
            continue
        try:
            values.setdefault(normalize(raw), None)
        except ConfigError as exc:
            rejected.append(Rejection(line, exc.message, raw))
    return AddressList(source=source, values=tuple(values), rejected=tuple(rejected))


def _raw_values(
    path: Path, header: Record, records: Iterator[Record], normalize: Normalizer
) -> Iterator[tuple[int, str]]:
    if len([c for c in header.cells if c.strip()]) > 1:
        where = _("{file}, line {line}").format(file=path, line=header.line)
        index = map_columns(header.cells, where=where).email_index
        for record in records:
            yield record.line, record.cells[index].strip() if index < len(record.cells) else ""
        return
    if _is_value(header, normalize):
        yield header.line, _first_cell(header)
    for record in records:
        yield record.line, _first_cell(record)


def _without_comments(source: CsvText) -> CsvText:
    """Comment lines blanked (keeping line numbers), and the delimiter detected again
    without them: a comment like ``# bounces, Q3`` must not make a list look like CSV."""
    text = _COMMENT.sub("", source.text)
    return replace(source, text=text, delimiter=detect_delimiter(text))


def _first_cell(record: Record) -> str:
    return next((c.strip() for c in record.cells if c.strip()), "")


def _is_value(record: Record, normalize: Normalizer) -> bool:
    cell = _first_cell(record)
    if _names_email_column(cell):
        return False
    try:
        normalize(cell)
    except ConfigError:
        return "@" in cell  # looks like an attempt at a value: report it, don't skip it
    return True


def _names_email_column(cell: str) -> bool:
    """Whether a single header cell names an e-mail column (``email``, ``E-Mail`` …)."""
    try:
        map_columns([cell], where="")
    except CsvFileError:
        return False
    return True
