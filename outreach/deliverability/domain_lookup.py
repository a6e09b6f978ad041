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


async def domain_status(resolver: dns.asyncresolver.Resolver, domain: str) -> DomainStatus:
    """MX → accepts (a null MX ``0 .`` refuses); no MX → A/AAAA fallback; NXDOMAIN → no."""
    try:
        return await _classify(resolver, domain)
    except dns.resolver.NXDOMAIN:
        return DomainStatus(domain, False, "the domain does not exist (NXDOMAIN)")
    except dns.exception.DNSException as exc:
        return DomainStatus(domain, None, f"DNS lookup failed: {type(exc).__name__}")


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
) -> dict[str, DomainStatus]:
    """Look up each distinct domain once, at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(domain: str) -> DomainStatus:
        async with gate:
            status = await domain_status(resolver, domain)
        if on_done is not None:
            on_done(status)
        return status

    results = await asyncio.gather(*(one(d) for d in sorted(set(domains))))
    return {status.domain: status for status in results}
