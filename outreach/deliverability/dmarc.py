"""DMARC: the policy a domain publishes at ``_dmarc.<domain>`` (RFC 7489).

Parsing is pure (tag=value pairs); the lookup falls back from a subdomain to its parent
domain, an approximation of the organizational domain that needs no public-suffix list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dns.resolver

from outreach.deliverability.dns import txt_strings
from outreach.i18n import _

POLICIES = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class DmarcRecord:
    """A parsed DMARC record; ``problems`` lists what makes it invalid."""

    domain: str
    """Where it was found (the sending domain or a parent)."""
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def policy(self) -> str | None:
        return self.tags.get("p")

    @property
    def percent(self) -> int:
        value = self.tags.get("pct", "100")
        return int(value) if value.isdigit() else 100


def parse_dmarc(domain: str, text: str) -> DmarcRecord:
    """``v=DMARC1; p=reject; rua=mailto:…`` → tags (lower-case names) and problems."""
    parts = [part.strip() for part in text.split(";") if part.strip()]
    tags: dict[str, str] = {}
    for part in parts:
        name, _unused, value = part.partition("=")
        tags.setdefault(name.strip().lower(), value.strip())
    return DmarcRecord(domain, text, tags, tuple(_problems(parts, tags)))


def _problems(parts: list[str], tags: dict[str, str]) -> list[str]:
    problems = []
    if not parts or parts[0].replace(" ", "") != "v=DMARC1":
        problems.append(_("the record must start with v=DMARC1"))
    if tags.get("p", "").lower() not in POLICIES:
        problems.append(_("p= must be one of {choices}, not {value}").format(
            choices=", ".join(POLICIES), value=repr(tags.get("p"))))
    if "pct" in tags and not (tags["pct"].isdigit() and 0 <= int(tags["pct"]) <= 100):
        problems.append(_("pct= must be 0-100, not {value}").format(value=repr(tags["pct"])))
    return problems


def find_dmarc(resolver: dns.resolver.Resolver, domain: str) -> DmarcRecord | None:
    """The DMARC record for ``domain``, else for its parents (down to two labels)."""
    labels = domain.lower().strip(".").split(".")
    for start in range(max(len(labels) - 1, 1)):
        candidate = ".".join(labels[start:])
        records = [t for t in txt_strings(resolver, f"_dmarc.{candidate}")
                   if t.lower().startswith("v=dmarc1")]
        if records:
            return parse_dmarc(candidate, records[0])
    return None
