"""Reading a spreadsheet export as text records: encoding, delimiter, physical line numbers.

Pure functions over bytes and text, shared by the prospect import and the suppression
import. What the columns mean is :mod:`outreach.prospects.columns`' business.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from outreach.errors import ConfigError
from outreach.i18n import N_, _

DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_LINES = 50
NEWLINE = b"\n"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Magic numbers of files people export by mistake instead of CSV.
_SPREADSHEET_MAGIC = {
    b"PK\x03\x04": N_("an Excel workbook (.xlsx) or another ZIP archive"),
    b"\xd0\xcf\x11\xe0": N_("an old Excel workbook (.xls)"),
}
_SAVE_AS_CSV = N_("save it from your spreadsheet as “CSV UTF-8” (or CSV with ; separators)")


class CsvFileError(ConfigError):
    """A CSV file cannot be used at all (unreadable, undecodable, empty, wrong columns)."""


@dataclass(frozen=True)
class Record:
    """One CSV record: the physical lines it starts and ends on (1-based) and its cells."""

    line: int
    cells: tuple[str, ...]
    end_line: int = 0
    """The last physical line (0: the same as ``line``)."""

    @property
    def last_line(self) -> int:
        return max(self.line, self.end_line)


@dataclass(frozen=True)
class DecodeWarning:
    """A line of a UTF-8 file holding bytes that are not UTF-8 (read as Windows-1252)."""

    line: int
    message: str


@dataclass(frozen=True)
class CsvText:
    """A decoded CSV file and how it was decoded and split."""

    path: Path
    text: str
    encoding: str
    delimiter: str
    warnings: tuple[DecodeWarning, ...] = ()
    """Lines whose bytes did not fit the file's encoding and how they were read."""

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def read_csv_text(path: Path) -> CsvText:
    """Read ``path`` and detect its encoding and delimiter; :class:`CsvFileError` if unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(_("{file}: cannot read the file: {error}").format(
            file=path, error=exc.strerror or exc)) from None
    text, encoding, warnings = decode_file(data, path)
    return CsvText(path, text, encoding, detect_delimiter(text), warnings)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """The text and encoding name (see :func:`decode_file`; its warnings dropped)."""
    text, encoding, _warnings = decode_file(data, path)
    return text, encoding


def decode_file(data: bytes, path: Path) -> tuple[str, str, tuple[DecodeWarning, ...]]:
    """The text, encoding name and decoding warnings: UTF-16 (with BOM), UTF-8 (BOM
    optional), else Windows-1252 — decided once for the whole file.

    A UTF-8 file (one that holds valid multi-byte UTF-8 characters, and more of them than
    stray bytes) with a few stray Windows-1252 bytes stays UTF-8: each stray byte is read
    as Windows-1252 and its line named in a warning. (Switching the whole file to
    Windows-1252 for one stray byte garbled every other non-ASCII name.)
    """
    _reject_binary(data, path)
    if data.startswith(_UTF16_BOMS):
        return _decode_utf16(data, path), "utf-16", ()
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode("utf-8-sig"), encoding, ()
    except UnicodeDecodeError as utf8_error:
        if _mostly_utf8(data):
            return _utf8_with_stray_bytes(data, path, encoding)
        try:
            return data.decode("cp1252"), "cp1252", ()
        except UnicodeDecodeError as cp1252_error:
            raise _undecodable(path, data, utf8_error, cp1252_error) from None


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> bool:
    """Valid multi-byte UTF-8 characters outnumber the bytes that are not UTF-8."""
    replaced = data.decode("utf-8", "replace").count("\ufffd")
    genuine = data.decode("utf-8", "ignore").count("\ufffd")
    return len(_UTF8_MULTIBYTE.findall(data)) > replaced - genuine


_STRAY_OFFSETS: ContextVar[list[int]] = ContextVar("_STRAY_OFFSETS")


def _read_stray_as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: one byte that is not UTF-8, read as Windows-1252."""
    assert isinstance(exc, UnicodeDecodeError)
    _STRAY_OFFSETS.get().append(exc.start)
    return exc.object[exc.start : exc.start + 1].decode("cp1252"), exc.start + 1


codecs.register_error("outreach-stray-cp1252", _read_stray_as_cp1252)


def _utf8_with_stray_bytes(
    data: bytes, path: Path, encoding: str
) -> tuple[str, str, tuple[DecodeWarning, ...]]:
    offsets: list[int] = []
    token = _STRAY_OFFSETS.set(offsets)
    try:
        text = data.decode("utf-8-sig", "outreach-stray-cp1252")
    except UnicodeDecodeError as exc:  # a stray byte Windows-1252 has no character for
        bad = offsets[-1] if offsets else exc.start
        raise CsvFileError(
            _("{file}: byte {byte} at offset {offset} ({line}) is neither UTF-8 (as the rest of "
              "the file) nor Windows-1252").format(file=path, byte=f"0x{data[bad]:02x}",
                                                   offset=bad, line=_line_at(data, bad)),
            hint=_("fix that line, or {fix}").format(fix=_(_SAVE_AS_CSV)),
        ) from None
    finally:
        _STRAY_OFFSETS.reset(token)
    warnings = tuple(
        DecodeWarning(
            data.count(NEWLINE, 0, offset) + 1,
            _("byte {byte} is not UTF-8 (the rest of the file is); read as Windows-1252 "
              "{char}: check this row").format(
                byte=f"0x{data[offset]:02x}", char=repr(data[offset:offset + 1].decode("cp1252"))),
        )
        for offset in offsets
    )
    return text, encoding, warnings


def _reject_binary(data: bytes, path: Path) -> None:
    if not data.strip().removeprefix(codecs.BOM_UTF8).strip():
        raise CsvFileError(_("{file}: the file is empty").format(file=path),
                           hint=_("export your list with a header row"))
    for magic, what in _SPREADSHEET_MAGIC.items():
        if data.startswith(magic):
            raise CsvFileError(_("{file} is {what}, not a CSV file").format(
                file=path, what=_(what)), hint=_(_SAVE_AS_CSV))
    nul = data.find(b"\x00")
    if nul >= 0 and not data.startswith(_UTF16_BOMS):
        raise CsvFileError(
            _("{file} looks like a binary file, not CSV text (NUL byte at offset {offset}, "
              "{line})").format(file=path, offset=nul, line=_line_at(data, nul)),
            hint=_(_SAVE_AS_CSV),
        )


def _decode_utf16(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            _("{file}: not valid UTF-16 text (bad bytes at offset {offset})").format(
                file=path, offset=exc.start), hint=_(_SAVE_AS_CSV)
        ) from None


def _undecodable(
    path: Path, data: bytes, utf8: UnicodeDecodeError, cp1252: UnicodeDecodeError
) -> CsvFileError:
    return CsvFileError(
        _("{file}: cannot decode the file as UTF-8 (byte {byte} at offset {offset}, {line}) nor "
          "as Windows-1252 (byte {byte2} at offset {offset2}, {line2})").format(
            file=path, byte=f"0x{data[utf8.start]:02x}", offset=utf8.start,
            line=_line_at(data, utf8.start), byte2=f"0x{data[cp1252.start]:02x}",
            offset2=cp1252.start, line2=_line_at(data, cp1252.start)),
        hint=_(_SAVE_AS_CSV),
    )


def _line_at(data: bytes, offset: int) -> str:
    return _("line {number}").format(number=data.count(NEWLINE, 0, offset) + 1)


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
                yield Record(line=start, cells=tuple(cells), end_line=reader.line_num)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(_("{file}, line {line}: unreadable CSV: {error}").format(
            file=csv_text.path, line=start, error=exc)) from None


def count_lines(csv_text: CsvText) -> int:
    """Physical lines in the file (for a progress bar's total)."""
    return csv_text.text.count("\n") + (0 if csv_text.text.endswith("\n") else 1)
