"""The sending domain's DNS, as doctor findings: MX, SPF (for the SMTP host's IPs), DMARC."""

from __future__ import annotations

import dns.resolver

from outreach.deliverability.dmarc import DmarcRecord, find_dmarc
from outreach.deliverability.dns import DnsFailure, host_addresses, mx_hosts
from outreach.deliverability.findings import Finding, fail, ok, warn
from outreach.deliverability.spf import (
    MAX_LOOKUPS,
    SpfOutcome,
    SpfReport,
    check_spf,
    spf_records,
)

RETRY = "the DNS lookup failed; check your network (or --resolver) and run doctor again"


def mx_finding(resolver: dns.resolver.Resolver, domain: str) -> Finding:
    try:
        hosts = mx_hosts(resolver, domain)
    except DnsFailure as exc:
        return warn("MX", str(exc), RETRY)
    if not hosts:
        return fail("MX", f"{domain} has no MX record",
                    f"publish an MX record for {domain}: without one, replies and bounces "
                    "cannot reach you and many receivers reject your mail")
    return ok("MX", ", ".join(hosts))


def spf_finding(resolver: dns.resolver.Resolver, domain: str, smtp_host: str) -> Finding:
    try:
        records = spf_records(resolver, domain)
        ips = host_addresses(resolver, smtp_host)
    except DnsFailure as exc:
        return warn("SPF", str(exc), RETRY)
    if len(records) > 1:
        return fail("SPF", f"{domain} publishes {len(records)} SPF records",
                    "merge them into one TXT record: two v=spf1 records are a permanent error")
    if not records:
        return fail("SPF", f"{domain} has no SPF record",
                    f"publish one TXT record at {domain} like `v=spf1 include:<your provider's "
                    f"SPF domain> -all` so receivers know {smtp_host} may send for you")
    if not ips:
        return warn("SPF", f"{records[0]} (could not resolve {smtp_host})", RETRY)
    return _spf_verdict(check_spf(resolver, domain, ips), smtp_host)


def _spf_verdict(report: SpfReport, smtp_host: str) -> Finding:
    record = report.record or ""
    worst = _worst(report)
    where = f"{smtp_host} ({', '.join(o.ip for o in report.outcomes)})"
    if worst.result == "pass":
        return ok("SPF", f"{record} authorizes {where}")
    if worst.result == "permerror":
        return fail("SPF", f"{record}: {worst.explanation}",
                    f"fix the record: it must parse and need at most {MAX_LOOKUPS} DNS lookups "
                    "(flatten nested include: chains)")
    if worst.result == "temperror":
        return warn("SPF", f"{record}: {worst.explanation}", RETRY)
    if worst.result == "fail":
        return fail("SPF", f"{record} does not authorize {where}",
                    f"add your provider's include: (or ip4:{worst.ip}) to the record")
    return warn("SPF", f"{record} gives {worst.result} for {where}",
                f"add your provider's include: (or ip4:{worst.ip}) so the result is pass")


_SEVERITY = ("pass", "neutral", "none", "softfail", "temperror", "fail", "permerror")


def _worst(report: SpfReport) -> SpfOutcome:
    return max(report.outcomes, key=lambda o: _SEVERITY.index(o.result)
               if o.result in _SEVERITY else len(_SEVERITY))


def dmarc_finding(resolver: dns.resolver.Resolver, domain: str) -> Finding:
    try:
        record = find_dmarc(resolver, domain)
    except DnsFailure as exc:
        return warn("DMARC", str(exc), RETRY)
    if record is None:
        return fail("DMARC", f"no DMARC record at _dmarc.{domain}",
                    f"publish TXT `v=DMARC1; p=none; rua=mailto:dmarc@{domain}` at "
                    f"_dmarc.{domain}, then tighten it to quarantine once reports look clean")
    return _dmarc_verdict(record)


def _dmarc_verdict(record: DmarcRecord) -> Finding:
    if record.problems:
        return fail("DMARC", f"{record.text}: {'; '.join(record.problems)}",
                    f"fix the TXT record at _dmarc.{record.domain}")
    policy = (record.policy or "").lower()
    if policy == "none":
        return warn("DMARC", f"p=none at _dmarc.{record.domain} (monitoring only)",
                    "move to p=quarantine once SPF and DKIM pass: receivers trust "
                    "enforced domains more")
    if record.percent < 100:
        return warn("DMARC", f"p={policy} for only {record.percent}% of mail",
                    "raise pct to 100 (or drop the pct tag)")
    return ok("DMARC", f"p={policy} at _dmarc.{record.domain}")
