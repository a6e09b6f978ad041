"""Does a domain accept mail? MX, else A/AAAA (RFC 5321 §5.1), over dnspython's asyncio
resolver with bounded concurrency: one lookup chain per domain, however many prospects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.resolver

DEFAULT_CONCURRENCY = 50
TRIES = 3
"""Lookups per domain when DNS cannot tell (timeout, SERVFAIL, refused) before "unknown"."""
RETRY_DELAY_S = 0.5
"""The pause before the second try; doubled before each further one."""


@dataclass(frozen=True)
class DomainStatus:
    """``accepts_mail`` is None when DNS could not tell (timeout, SERVFAIL): retry later."""

    domain: str
    accepts_mail: bool | None
    detail: str


async def _records(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> list[str]:
    """Record texts; [] for NoAnswer; raises NXDOMAIN and temporary failures."""
    try:
        answer = await resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NoAnswer:
        return []
    return [record.to_text() for record in answer]


async def domain_status(resolver: dns.asyncresolver.Resolver, domain: str,
                        tries: int = TRIES, delay: float = RETRY_DELAY_S) -> DomainStatus:
    """MX → accepts (a null MX ``0 .`` refuses); no MX → A/AAAA fallback; NXDOMAIN → no.

    A failed lookup (timeout, SERVFAIL, refused) is tried ``tries`` times in all, then
    the answer is unknown (``accepts_mail`` None) — never "does not accept mail"."""
    status = await _one_try(resolver, domain)
    for attempt in range(1, tries):
        if status.accepts_mail is not None:
            break
        await asyncio.sleep(delay * 2 ** (attempt - 1))
        status = await _one_try(resolver, domain)
    if status.accepts_mail is None and tries > 1:
        return DomainStatus(domain, None, f"{status.detail} ({tries} tries)")
    return status


async def _one_try(resolver: dns.asyncresolver.Resolver, domain: str) -> DomainStatus:
    try:
        return await _classify(resolver, domain)
    except dns.resolver.NXDOMAIN:
        return DomainStatus(domain, False, "the domain does not exist (NXDOMAIN)")
    except dns.exception.DNSException as exc:
        return DomainStatus(domain, None, f"DNS could not tell: {_failure(exc)}")


def _failure(exc: dns.exception.DNSException) -> str:
    if isinstance(exc, dns.exception.Timeout):
        return "the lookup timed out"
    if isinstance(exc, dns.resolver.NoNameservers):
        return "no DNS server answered (SERVFAIL or refused)"
    return type(exc).__name__


async def _classify(resolver: dns.asyncresolver.Resolver, domain: str) -> DomainStatus:
    mx = await _records(resolver, domain, "MX")
    hosts = [text.split()[-1].rstrip(".") for text in mx]
    if hosts and not any(hosts):
        return DomainStatus(domain, False, "null MX: the domain accepts no mail (RFC 7505)")
    if hosts:
        return DomainStatus(domain, True, f"MX {min(mx, key=_preference).split()[-1]}")
    for rdtype in ("A", "AAAA"):
        if await _records(resolver, domain, rdtype):
            return DomainStatus(domain, True, f"no MX, delivers to its {rdtype} record")
    return DomainStatus(domain, False, "the domain has no MX and no A record")


def _preference(text: str) -> int:
    return int(text.split()[0])


async def domain_statuses(
    resolver: dns.asyncresolver.Resolver,
    domains: Iterable[str],
    concurrency: int = DEFAULT_CONCURRENCY,
    on_done: Callable[[DomainStatus], None] | None = None,
    retry_delay: float = RETRY_DELAY_S,
) -> dict[str, DomainStatus]:
    """Look up each distinct domain once, at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(domain: str) -> DomainStatus:
        async with gate:
            status = await domain_status(resolver, domain, delay=retry_delay)
        if on_done is not None:
            on_done(status)
        return status

    results = await asyncio.gather(*(one(d) for d in sorted(set(domains))))
    return {status.domain: status for status in results}
