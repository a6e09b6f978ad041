"""SPF: does the sending domain's record authorize the IPs mail leaves from?

Evaluation is pyspf's (the RFC 7208 reference implementation: macros, include/redirect,
the 10-lookup and 2-void-lookup limits). Its DNS goes through our resolver: pyspf's
documented seam is the module-level ``spf.DNSLookup`` (its own test suite replaces it),
which we point at a dispatcher reading the resolver of the current context.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dns.resolver
import spf  # type: ignore[import-untyped]

from outreach.deliverability.dns import DnsFailure, lookup, txt_strings

MAX_LOOKUPS = 10  # RFC 7208 §4.6.4; pyspf enforces it in strict mode
PER_LOOKUP_TIMEOUT_S = 5

_RESOLVER: contextvars.ContextVar[dns.resolver.Resolver] = contextvars.ContextVar("spf_resolver")


@dataclass(frozen=True)
class SpfOutcome:
    """The SPF result for one IP: pass, fail, softfail, neutral, none, permerror, temperror."""

    ip: str
    result: str
    explanation: str
    lookups: int


@dataclass(frozen=True)
class SpfReport:
    """The domain's SPF record (None when it has none) and the result for each IP."""

    domain: str
    record: str | None
    outcomes: tuple[SpfOutcome, ...]


def spf_records(resolver: dns.resolver.Resolver, domain: str) -> list[str]:
    """Every ``v=spf1`` TXT record at ``domain`` (more than one is itself a permerror)."""
    return [t for t in txt_strings(resolver, domain) if t.lower().split(" ", 1)[0] == "v=spf1"]


def check_spf(resolver: dns.resolver.Resolver, domain: str, ips: list[str]) -> SpfReport:
    """Evaluate ``domain``'s SPF policy for each IP (as if it sent MAIL FROM that domain)."""
    try:
        records = spf_records(resolver, domain)
    except DnsFailure as exc:
        return SpfReport(domain, None, (SpfOutcome("", "temperror", str(exc), 0),))
    record = records[0] if len(records) == 1 else None
    if not records:
        return SpfReport(domain, None, ())
    with _using(resolver):
        outcomes = tuple(_evaluate(domain, ip) for ip in ips)
    return SpfReport(domain, record, outcomes)


def _evaluate(domain: str, ip: str) -> SpfOutcome:
    query = spf.query(i=ip, s=f"postmaster@{domain}", h=domain, strict=True,
                      timeout=PER_LOOKUP_TIMEOUT_S)
    result, _code, explanation = query.check()
    return SpfOutcome(ip, str(result), str(explanation), int(query.lookups))


@contextmanager
def _using(resolver: dns.resolver.Resolver) -> Iterator[None]:
    token = _RESOLVER.set(resolver)
    try:
        yield
    finally:
        _RESOLVER.reset(token)


def _dns_lookup(name: str, qtype: str, strict: Any = True, timeout: Any = 30) -> list[Any]:
    """pyspf's lookup contract: ``[((name, qtype), data), …]``; TempError when unknown."""
    resolver = _RESOLVER.get(None) or dns.resolver.get_default_resolver()
    try:
        records = lookup(resolver, name, qtype)
    except DnsFailure as exc:
        raise spf.TempError(f"DNS {exc}") from None
    return [((name, qtype), _data(qtype, record)) for record in records]


def _data(qtype: str, record: Any) -> Any:
    if qtype in ("A", "AAAA"):
        return record.address
    if qtype == "MX":
        return (record.preference, record.exchange)
    if qtype == "PTR":
        return record.target.to_text(True)
    return record.strings  # TXT (and the obsolete SPF type)


spf.DNSLookup = _dns_lookup
