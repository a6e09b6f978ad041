"""What a CSV header means: the standard prospect fields by alias, the rest as custom fields.

Headers are matched ignoring case, spaces and punctuation (``E-Mail``, ``email address`` and
``EMAIL_ADDRESS`` are all ``email``). Any other column becomes a custom field whose key is the
header lower-cased with every run of spaces/punctuation turned into ``_``, so a template can
say ``{{ job_title }}`` for a column called ``Job Title``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from outreach.i18n import _
from outreach.prospects.csv_reader import CsvFileError

STANDARD_FIELDS = ("email", "first_name", "last_name", "company", "timezone")

ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "e-mail", "mail", "email address", "e-mail address", "mail address",
        "e-mail-adresse", "emailadresse", "mailadresse", "business email", "work email",
    ),
    "first_name": ("first name", "firstname", "first", "given name", "vorname"),
    "last_name": ("last name", "lastname", "surname", "family name", "nachname", "name"),
    "company": (
        "company", "company name", "firma", "unternehmen", "organization", "organisation",
        "account name",
    ),
    "timezone": ("timezone", "time zone", "tz", "zeitzone"),
}  # fmt: skip


def squash(header: str) -> str:
    """The header reduced to lower-case letters and digits, for alias matching."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())


_ALIAS_INDEX = {squash(alias): field for field, aliases in ALIASES.items() for alias in aliases}


def field_key(header: str) -> str:
    """The custom-field key of a header: ``Job Title`` → ``job_title``, ``2nd Phone`` →
    ``f_2nd_phone`` (a template variable cannot start with a digit)."""
    key = re.sub(r"\W+", "_", header.strip().lower()).strip("_")
    return f"f_{key}" if key[:1].isdigit() else key


@dataclass(frozen=True)
class Column:
    """One CSV column: its position, its header as written, and where its values go."""

    index: int
    header: str
    key: str
    standard: bool


@dataclass(frozen=True)
class ColumnMap:
    """All usable columns of a file, plus notes about headers that were ambiguous."""

    columns: tuple[Column, ...]
    notes: tuple[str, ...]

    @property
    def email_index(self) -> int:
        return next(c.index for c in self.columns if c.key == "email")

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def map_columns(header: Sequence[str], *, where: str) -> ColumnMap:
    """Map a header row; :class:`CsvFileError` naming what was found when no e-mail column.

    ``where`` names the header's place for messages, e.g. ``leads.csv, line 1``.
    """
    columns: list[Column] = []
    notes: list[str] = []
    taken: set[str] = set()
    for index, raw in enumerate(header):
        column = _column(index, raw.strip(), taken, notes)
        if column is not None:
            taken.add(column.key)
            columns.append(column)
    if "email" not in taken:
        raise _no_email_column(header, where)
    return ColumnMap(columns=tuple(columns), notes=tuple(notes))


def _column(index: int, header: str, taken: set[str], notes: list[str]) -> Column | None:
    if not field_key(header):
        return None  # unnamed column (e.g. Excel's trailing empty ones): ignored
    standard = _ALIAS_INDEX.get(squash(header))
    if standard and standard not in taken:
        return Column(index=index, header=header, key=standard, standard=True)
    key = _unique_key(field_key(header), taken)
    if standard:
        notes.append(_("column {header}: an earlier column already gave {field}; its values are "
                       "kept as custom field {key}").format(
            header=repr(header), field=standard, key=repr(key)))
    return Column(index=index, header=header, key=key, standard=False)


def _unique_key(key: str, taken: set[str]) -> str:
    candidate, n = key, 2
    while candidate in taken or candidate in STANDARD_FIELDS:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def _no_email_column(header: Sequence[str], where: str) -> CsvFileError:
    found = ", ".join(repr(h.strip()) for h in header if h.strip()) or _("none")
    accepted = ", ".join(repr(a) for a in ALIASES["email"])
    return CsvFileError(
        _("{file}: no e-mail column in the header. Headers found: {found}").format(
            file=where, found=found),
        hint=_("name the address column one of {names} (case, spaces and dashes don't matter)"
               ).format(names=accepted),
    )
