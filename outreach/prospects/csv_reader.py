"""Reading a spreadsheet export as text records: encoding, delimiter, physical line numbers.

Pure functions over bytes and text, shared by the prospect import and the suppression
import. What the columns mean is :mod:`outreach.prospects.columns`' business.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from outreach.errors import ConfigError

DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_LINES = 50
NEWLINE = b"\n"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Magic numbers of files people export by mistake instead of CSV.
_SPREADSHEET_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another ZIP archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
}
_SAVE_AS_CSV = "save it from your spreadsheet as “CSV UTF-8” (or CSV with ; separators)"


class CsvFileError(ConfigError):
    """A CSV file cannot be used at all (unreadable, undecodable, empty, wrong columns)."""


@dataclass(frozen=True)
class Record:
    """One CSV record: the physical line it starts on (1-based) and its cells."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvText:
    """A decoded CSV file and how it was decoded and split."""

    path: Path
    text: str
    encoding: str
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def read_csv_text(path: Path) -> CsvText:
    """Read ``path`` and detect its encoding and delimiter; :class:`CsvFileError` if unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    text, encoding = decode_bytes(data, path)
    return CsvText(path=path, text=text, encoding=encoding, delimiter=detect_delimiter(text))


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """The text and encoding name: UTF-16 (with BOM), UTF-8 (BOM optional), else Windows-1252."""
    _reject_binary(data, path)
    if data.startswith(_UTF16_BOMS):
        return _decode_utf16(data, path), "utf-16"
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as cp1252_error:
            raise _undecodable(path, data, utf8_error, cp1252_error) from None


def _reject_binary(data: bytes, path: Path) -> None:
    if not data.strip().removeprefix(codecs.BOM_UTF8).strip():
        raise CsvFileError(f"{path}: the file is empty", hint="export your list with a header row")
    for magic, what in _SPREADSHEET_MAGIC.items():
        if data.startswith(magic):
            raise CsvFileError(f"{path} is {what}, not a CSV file", hint=_SAVE_AS_CSV)
    nul = data.find(b"\x00")
    if nul >= 0 and not data.startswith(_UTF16_BOMS):
        raise CsvFileError(
            f"{path} looks like a binary file, not CSV text "
            f"(NUL byte at offset {nul}, {_line_at(data, nul)})",
            hint=_SAVE_AS_CSV,
        )


def _decode_utf16(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            f"{path}: not valid UTF-16 text (bad bytes at offset {exc.start})", hint=_SAVE_AS_CSV
        ) from None


def _undecodable(
    path: Path, data: bytes, utf8: UnicodeDecodeError, cp1252: UnicodeDecodeError
) -> CsvFileError:
    return CsvFileError(
        f"{path}: cannot decode the file as UTF-8 (byte 0x{data[utf8.start]:02x} at offset "
        f"{utf8.start}, {_line_at(data, utf8.start)}) nor as Windows-1252 (byte "
        f"0x{data[cp1252.start]:02x} at offset {cp1252.start}, {_line_at(data, cp1252.start)})",
        hint=_SAVE_AS_CSV,
    )


def _line_at(data: bytes, offset: int) -> str:
    return f"line {data.count(NEWLINE, 0, offset) + 1}"


def detect_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: what :class:`csv.Sniffer` finds, checked against the header line.

    The sniffer can be fooled by values full of commas; a delimiter that does not occur in the
    header line is never right (headers rarely contain one), so then the header decides.
    """
    lines = text.lstrip("\r\n").splitlines()
    header = lines[0] if lines else ""
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:SNIFF_LINES]), delimiters=DELIMITERS)
    except csv.Error:
        return _most_frequent_in(header)
    delimiter = str(sniffed.delimiter)
    if len(delimiter) == 1 and delimiter in DELIMITERS and delimiter in header:
        return delimiter
    return _most_frequent_in(header)


def _most_frequent_in(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def iter_records(csv_text: CsvText) -> Iterator[Record]:
    """Every non-blank record with the physical line it starts on (right across quoted
    multi-line fields, since :attr:`csv.reader.line_num` counts physical lines)."""
    reader = csv.reader(
        io.StringIO(csv_text.text, newline=""),
        delimiter=csv_text.delimiter,
        skipinitialspace=True,
    )
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield Record(line=start, cells=tuple(cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(f"{csv_text.path}, line {start}: unreadable CSV: {exc}") from None


def count_lines(csv_text: CsvText) -> int:
    """Physical lines in the file (for a progress bar's total)."""
    return csv_text.text.count("\n") + (0 if csv_text.text.endswith("\n") else 1)
