"""Which DNS server to ask, and small typed lookups over dnspython.

By default the system's resolver (``/etc/resolv.conf``) is used. ``OUTREACH_DNS`` (or a
``--resolver`` option) names one server as ``host:port`` — a local validating resolver, or
the test suite's own authoritative server on a loopback port.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from outreach.errors import ConfigError
from outreach.i18n import _

ENV_VAR = "OUTREACH_DNS"
LIFETIME_S = 5.0
"""How long one lookup may take in total (retries included) before it counts as failed."""


@dataclass(frozen=True)
class ResolverSpec:
    """One DNS server to ask instead of the system's; None fields mean the system's."""

    host: str | None = None
    port: int = 53

    def __str__(self) -> str:
        return f"{self.host}:{self.port}" if self.host else "system resolver"


class DnsFailure(Exception):
    """A lookup failed for a temporary reason (timeout, SERVFAIL): the answer is unknown."""


def parse_resolver(text: str | None) -> ResolverSpec:
    """``host:port`` (or ``host``, or ``[v6]:port``) → spec; empty/None → the system's."""
    if not text:
        return ResolverSpec()
    host, _unused, port = text.strip().rpartition(":") if "]" not in text else _v6(text.strip())
    if not host:
        host, port = text.strip(), "53"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            _("DNS server {value} is not host:port").format(value=repr(text)),
            hint=_("write e.g. 127.0.0.1:5353 (in {variable} or --resolver)").format(
                variable=ENV_VAR),
        )
    return ResolverSpec(host.strip("[]"), int(port))


def _v6(text: str) -> tuple[str, str, str]:
    host, _unused, rest = text.partition("]")
    return host + "]", ":", rest.lstrip(":") or "53"


def resolver_from_env(option: str | None = None) -> ResolverSpec:
    """The ``--resolver`` option if given, else ``$OUTREACH_DNS``, else the system's."""
    return parse_resolver(option or os.environ.get(ENV_VAR))


def make_resolver(spec: ResolverSpec) -> dns.resolver.Resolver:
    """A synchronous dnspython resolver for ``spec``."""
    resolver = dns.resolver.Resolver(configure=spec.host is None)
    _configure(resolver, spec)
    return resolver


def make_async_resolver(spec: ResolverSpec) -> dns.asyncresolver.Resolver:
    """An asyncio dnspython resolver for ``spec``."""
    resolver = dns.asyncresolver.Resolver(configure=spec.host is None)
    _configure(resolver, spec)
    return resolver


def _configure(resolver: dns.resolver.BaseResolver, spec: ResolverSpec) -> None:
    if spec.host is not None:
        resolver.nameservers = [spec.host]
        resolver.port = spec.port
    resolver.lifetime = LIFETIME_S
    resolver.timeout = LIFETIME_S / 2


def lookup(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> list[dns.rdata.Rdata]:
    """The records of ``rdtype`` at ``name``; [] when the name or the type does not exist.

    Raises :class:`DnsFailure` when the answer is unknown (timeout, SERVFAIL, refused).
    """
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise DnsFailure(_("{type} lookup of {name} failed: {error}").format(
            type=rdtype, name=name, error=exc)) from None
    except dns.exception.DNSException as exc:
        raise DnsFailure(_("{type} lookup of {name} failed: {error}").format(
            type=rdtype, name=name, error=exc)) from None


def txt_strings(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """Every TXT record at ``name``, its character-strings joined (RFC 7208 §3.3)."""
    return [join_txt(record.strings) for record in lookup(resolver, name, "TXT")]  # type: ignore[attr-defined]


def join_txt(strings: Sequence[bytes]) -> str:
    return b"".join(strings).decode("utf-8", errors="replace")


def mx_hosts(resolver: dns.resolver.Resolver, domain: str) -> list[str]:
    """MX targets by preference; a null MX (``0 .``, RFC 7505) yields []."""
    records = sorted(lookup(resolver, domain, "MX"), key=lambda r: r.preference)  # type: ignore[attr-defined]
    hosts = [str(r.exchange).rstrip(".").lower() for r in records]  # type: ignore[attr-defined]
    return [host for host in hosts if host]


def host_addresses(resolver: dns.resolver.Resolver, host: str) -> list[str]:
    """IPv4 and IPv6 addresses of ``host`` (an IP literal is returned as is)."""
    if _is_ip(host):
        return [host.strip("[]")]
    return [r.to_text() for rdtype in ("A", "AAAA") for r in lookup(resolver, host, rdtype)]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
