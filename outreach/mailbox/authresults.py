"""What the receiving provider's ``Authentication-Results`` say of a message's sender (pure).

Parsed with ``authres`` (RFC 8601, the parser dkimpy-milter and others use). Only
*failures* for the From domain are read, in every such header of the message: the
provider's own header is on top, and whatever the sender planted below it can only add a
failure to its own message (held for review) — a planted ``pass`` is never believed, so
it cannot cancel the provider's ``fail``.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.message import Message

import authres  # type: ignore[import-untyped]

_FAILED = frozenset({"fail"})
_METHODS = ("dmarc", "spf", "dkim")
_MAX_HEADERS = 20
_MAX_LENGTH = 8_000
"""Headers (and characters of each) looked at: the parser is not meant for megabytes."""


def auth_failures(msg: Message, from_domain: str | None) -> tuple[str, ...]:
    """The ``method=fail`` results about ``from_domain`` (``dmarc=fail``, ``spf=fail``,
    ``dkim=fail``), without repeats; empty when none says so (or there is no header)."""
    if not from_domain:
        return ()
    found: dict[str, None] = {}
    for value in _values(msg):
        for method, result, domains in _results(value):
            if method in _METHODS and result in _FAILED and _about(domains, from_domain):
                found[f"{method}={result}"] = None
    return tuple(found)


def _values(msg: Message) -> list[str]:
    try:
        values = msg.get_all("Authentication-Results") or []
    except Exception:
        return []
    return [" ".join(str(value)[:_MAX_LENGTH].split()) for value in values[:_MAX_HEADERS]]


def _results(value: str) -> Iterable[tuple[str, str, list[str]]]:
    """``(method, result, domains its properties name)`` of one header; nothing when it
    does not parse (a malformed header tells nothing)."""
    try:
        header = authres.AuthenticationResultsHeader.parse_value(value)
    except Exception:
        return []
    return [
        (str(r.method).lower(), str(r.result).lower(), _domains(r.properties))
        for r in header.results
    ]


def _domains(properties: Iterable[object]) -> list[str]:
    """Domains named by ``header.from``, ``header.d``/``header.i`` and ``smtp.mailfrom``."""
    found = []
    for prop in properties:
        key = f"{getattr(prop, 'type', '')}.{getattr(prop, 'name', '')}".lower()
        if key in ("header.from", "header.d", "header.i", "smtp.mailfrom"):
            value = str(getattr(prop, "value", "") or "")
            found.append(value.rpartition("@")[2].strip().lower().rstrip("."))
    return found


def _about(domains: list[str], from_domain: str) -> bool:
    """True when a result concerns ``from_domain`` (or a parent or child of it); a result
    that names no domain (``dmarc=fail`` alone) is about the From domain."""
    if not domains:
        return True
    wanted = from_domain.lower()
    return any(
        d == wanted or d.endswith("." + wanted) or wanted.endswith("." + d) for d in domains
    )
