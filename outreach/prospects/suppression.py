"""The suppression list: addresses and ``@domain`` values that must never be written to.

A value is a normalized address (``anna@acme.test``) or a domain with a leading ``@``
(``@acme.test``). A domain covers every address **at exactly that domain**; subdomains are
not covered (``@acme.test`` does not suppress ``x@eu.acme.test``): a company's subsidiaries
are often different buyers, and suppressing more than asked is not undoable by the person
who asked. Suppress each subdomain explicitly when needed.

Campaign code checks prospects in bulk with :func:`suppressions_for`; adding values goes
through :func:`outreach.lifecycle.suppressing.suppress_and_stop`, which also stops the live
enrollments they cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, insert
from sqlmodel import Session, col, delete, select

from outreach.addresses import domain_of, normalize_address
from outreach.errors import ConfigError, NotFoundError, ValidationFailed
from outreach.i18n import _, ngettext
from outreach.prospects.address_list import AddressList, parse_address_list
from outreach.prospects.csv_reader import read_csv_text
from outreach.prospects.rows import Rejection
from outreach.store.models import Suppression, utcnow

REASONS = ("manual", "bounce", "unsubscribe", "complaint", "import")
IN_CHUNK = 500  # values per IN (...) query, far below any database's parameter limit
_T = TypeVar("_T")


@dataclass(frozen=True)
class SuppressOutcome:
    """What adding one value did; an existing entry keeps its original reason and source."""

    value: str
    added: bool
    reason: str
    source: str | None


@dataclass(frozen=True)
class SuppressionImport:
    """The result of importing a file of values."""

    path: Path
    encoding: str
    added: tuple[str, ...]
    already: tuple[str, ...]
    rejected: tuple[Rejection, ...]


def normalize_value(value: str) -> str:
    """``anna@acme.test`` or ``@acme.test``, normalized; :class:`ConfigError` if neither."""
    text = value.strip()
    if text.startswith("@"):
        return "@" + _normalize_domain(text[1:], value)
    if "@" not in text:
        raise ConfigError(
            _("{value} is neither an e-mail address nor a @domain").format(value=repr(value)),
            hint=_("write a whole domain with a leading @, e.g. {example}").format(
                example="@" + (text or "acme.com")),
        )
    return normalize_address(text)


def _normalize_domain(domain: str, original: str) -> str:
    try:
        return domain_of(normalize_address(f"postmaster@{domain}"))
    except ConfigError as exc:
        why = exc.message.partition(": ")[2]
        raise ConfigError(_("{value} is not a valid domain: {why}").format(
            value=repr(original), why=why).rstrip(": ")) from None


def check_reason(reason: str) -> str:
    if reason not in REASONS:
        raise ConfigError(_("unknown suppression reason {reason}; use one of {choices}").format(
            reason=repr(reason), choices=", ".join(REASONS)))
    return reason


def normalize_values(values: Iterable[str]) -> list[str]:
    """All values normalized and de-duplicated; :class:`ValidationFailed` lists every bad one."""
    good: dict[str, None] = {}
    bad: list[str] = []
    for value in values:
        try:
            good.setdefault(normalize_value(value), None)
        except ConfigError as exc:
            bad.append(str(exc))
    if bad:
        raise ValidationFailed(ngettext("{count} invalid value, nothing was changed:",
                                        "{count} invalid values, nothing was changed:",
                                        len(bad)).format(count=len(bad)), bad)
    return list(good)


def add_suppressions(
    session: Session, values: Sequence[str], *, reason: str = "manual", source: str | None = None
) -> list[SuppressOutcome]:
    """Suppress already-normalized ``values`` (see :func:`normalize_values`), in bulk."""
    check_reason(reason)
    existing = _existing(session, values)
    new = [v for v in values if v not in existing]
    if new:
        now = utcnow()
        rows = [{"value": v, "reason": reason, "source": source, "created_at": now} for v in new]
        session.exec(insert(Suppression), params=rows)
    return [_outcome(v, existing.get(v), reason, source) for v in values]


def _outcome(
    value: str, old: Suppression | None, reason: str, source: str | None
) -> SuppressOutcome:
    if old is None:
        return SuppressOutcome(value=value, added=True, reason=reason, source=source)
    return SuppressOutcome(value=value, added=False, reason=old.reason, source=old.source)


def suppress(session: Session, value: str, *, reason: str, source: str | None = None) -> bool:
    """Suppress one address or ``@domain`` (for the watcher); ``False`` if it already was."""
    [outcome] = add_suppressions(session, [normalize_value(value)], reason=reason, source=source)
    return outcome.added


def remove_suppressions(session: Session, values: Sequence[str]) -> None:
    """Unsuppress normalized ``values``; all or nothing: :class:`NotFoundError` if one isn't."""
    existing = _existing(session, values)
    missing = [v for v in values if v not in existing]
    if missing:
        raise _not_suppressed(session, missing)
    for chunk in _chunks(values, IN_CHUNK):
        session.exec(delete(Suppression).where(col(Suppression.value).in_(chunk)))


def _not_suppressed(session: Session, missing: list[str]) -> NotFoundError:
    covering = suppressions_for(session, [v for v in missing if not v.startswith("@")])
    hints = [_("{address} is covered by {value}; remove that instead").format(
        address=a, value=s.value) for a, s in covering.items()]
    return NotFoundError(
        _("not on the suppression list, nothing was removed: {values}").format(
            values=", ".join(missing)),
        hint="; ".join(hints) or _("see `outreach suppress list`"),
    )


def list_suppressions(session: Session, *, reason: str | None = None) -> list[Suppression]:
    query = select(Suppression).order_by(col(Suppression.value))
    if reason is not None:
        query = query.where(Suppression.reason == check_reason(reason))
    return list(session.exec(query))


def read_suppression_file(path: Path) -> AddressList:
    """The values of a file (a plain list, or a CSV with an e-mail column), checked.

    File-level problems (unreadable, undecodable, no e-mail column) raise
    :class:`~outreach.prospects.csv_reader.CsvFileError`; bad lines become rejections.
    """
    return parse_address_list(read_csv_text(path), normalize_value)


def import_suppressions(
    session: Session, values: AddressList, *, reason: str = "import", source: str | None = None
) -> SuppressionImport:
    """Suppress every value read by :func:`read_suppression_file` (source: the file name)."""
    path = values.source.path
    outcomes = add_suppressions(session, values.values, reason=reason, source=source or path.name)
    return SuppressionImport(
        path=path,
        encoding=values.source.encoding,
        added=tuple(o.value for o in outcomes if o.added),
        already=tuple(o.value for o in outcomes if not o.added),
        rejected=values.rejected,
    )


def is_suppressed(session: Session, email: str) -> Suppression | None:
    """The entry suppressing ``email`` (the address's own before its domain's), or ``None``."""
    return suppressions_for(session, [email]).get(email)


def suppressions_for(session: Session, emails: Iterable[str]) -> dict[str, Suppression]:
    """For each suppressed address of ``emails`` (as given), the entry that suppresses it.

    Addresses should be normalized (as stored on prospects); they are lower-cased here
    anyway. Cost: one query when the list is smaller than the lookup, else one per
    :data:`IN_CHUNK` values.
    """
    keys = {email: email.strip().lower() for email in emails}
    wanted = set(keys.values()) | {"@" + domain_of(k) for k in keys.values()}
    found = {row.value: row for row in _lookup(session, wanted)}
    result: dict[str, Suppression] = {}
    for email, key in keys.items():
        hit = found.get(key) or found.get("@" + domain_of(key))
        if hit is not None:
            result[email] = hit
    return result


def _lookup(session: Session, values: set[str]) -> Iterator[Suppression]:
    if not values:
        return
    total = session.exec(select(func.count()).select_from(Suppression)).one()
    if total <= len(values):
        yield from session.exec(select(Suppression))
        return
    for chunk in _chunks(sorted(values), IN_CHUNK):
        yield from session.exec(select(Suppression).where(col(Suppression.value).in_(chunk)))


def _existing(session: Session, values: Sequence[str]) -> dict[str, Suppression]:
    return {row.value: row for row in _lookup(session, set(values))}


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
