"""Prospect verification before the first send: syntax, a domain that accepts mail (MX or
A fallback, cached per domain), role accounts, disposable and free-mail domains.

Invalid = undeliverable for sure (bad syntax, a domain that accepts no mail, a throwaway
inbox provider): such enrollments become ``invalid`` and are never sent. Risky = a role
account (sent, but flagged). Unknown = DNS could not tell now; not cached, sent normally.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from outreach.deliverability.address_rules import AddressFacts, address_facts
from outreach.deliverability.dns import ResolverSpec, make_async_resolver, resolver_from_env
from outreach.deliverability.domain_cache import cached_statuses, store_statuses
from outreach.deliverability.domain_lookup import (
    DEFAULT_CONCURRENCY,
    RETRY_DELAY_S,
    DomainStatus,
    domain_statuses,
)
from outreach.store import session_scope

Status = Literal["valid", "risky", "invalid", "unknown"]
Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class AddressVerdict:
    """The verdict on one address and why."""

    email: str
    status: Status
    reason: str = ""
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"email": self.email, "status": self.status, "reason": self.reason or None,
                "flags": list(self.flags)}


@dataclass(frozen=True)
class VerifySummary:
    """Counts and verdicts of one verification run."""

    verdicts: tuple[AddressVerdict, ...]
    domains: int
    looked_up: int
    """Domains asked of DNS in this run (the rest came from the cache)."""

    def count(self, status: Status) -> int:
        return sum(1 for v in self.verdicts if v.status == status)

    @property
    def invalid(self) -> list[AddressVerdict]:
        return [v for v in self.verdicts if v.status == "invalid"]

    def as_dict(self) -> dict[str, Any]:
        counts = {s: self.count(s) for s in ("valid", "risky", "invalid", "unknown")}
        return {"checked": len(self.verdicts), **counts, "domains": self.domains,
                "looked_up": self.looked_up, "addresses": [v.as_dict() for v in self.verdicts]}


def verdict(facts: AddressFacts, domain: DomainStatus | None) -> AddressVerdict:
    """Combine the offline facts with the domain's DNS status (pure)."""
    flags = tuple(name for name, on in (("role", facts.role), ("freemail", facts.freemail),
                                        ("disposable", facts.disposable)) if on)
    if facts.syntax_error:
        return AddressVerdict(facts.email, "invalid", f"not a valid address: {facts.syntax_error}")
    if facts.disposable:
        return AddressVerdict(facts.email, "invalid", "a disposable (throwaway) inbox domain",
                              flags)
    if domain is None or domain.accepts_mail is None:
        reason = domain.detail if domain else "domain not checked"
        return AddressVerdict(facts.email, "unknown", reason, flags)
    if not domain.accepts_mail:
        return AddressVerdict(facts.email, "invalid", domain.detail, flags)
    if facts.role:
        return AddressVerdict(facts.email, "risky", "a role account, not a person", flags)
    return AddressVerdict(facts.email, "valid", "", flags)


def _needs_dns(facts: AddressFacts) -> bool:
    return facts.syntax_error is None and not facts.disposable


async def verify_addresses(
    db: Engine,
    addresses: Iterable[str],
    spec: ResolverSpec | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_progress: Progress | None = None,
    fresh: bool = False,
    retry_delay: float = RETRY_DELAY_S,
) -> VerifySummary:
    """Verify ``addresses``: each distinct domain is looked up once (or read from the
    cache, unless ``fresh``)."""
    facts = [address_facts(a) for a in addresses]
    domains = {f.domain for f in facts if _needs_dns(f)}
    with Session(db) as session:
        known = {} if fresh else cached_statuses(session, domains)
    advance = _per_domain_progress(facts, on_progress)
    for cached in known.values():
        advance(cached)
    resolver = make_async_resolver(spec or resolver_from_env())
    looked_up = await domain_statuses(resolver, domains - set(known), concurrency, advance,
                                      retry_delay)
    with session_scope(db) as session:
        store_statuses(session, looked_up.values())
    statuses = {**known, **looked_up}
    verdicts = tuple(verdict(f, statuses.get(f.domain)) for f in facts)
    return VerifySummary(verdicts, len(domains), len(looked_up))


def _per_domain_progress(facts: list[AddressFacts],
                         on_progress: Progress | None) -> Callable[[DomainStatus], None]:
    """Report progress in addresses: offline verdicts at once, the rest per domain done."""
    per_domain: dict[str, int] = {}
    for f in facts:
        if _needs_dns(f):
            per_domain[f.domain] = per_domain.get(f.domain, 0) + 1
    if on_progress is not None:
        on_progress(len(facts) - sum(per_domain.values()))

    def advance(status: DomainStatus) -> None:
        if on_progress is not None:
            on_progress(per_domain.get(status.domain, 0))

    return advance


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from sync code, also when this thread already runs an event loop
    (the TUI): then it runs on a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(asyncio.run(make()))
        except BaseException as exc:  # handed back to the caller below
            errors.append(exc)

    thread = threading.Thread(target=target, name="outreach-verify")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]
