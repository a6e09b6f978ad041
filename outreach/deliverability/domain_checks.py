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
from outreach.i18n import N_, _, percent

RETRY = N_("the DNS lookup failed; check your network (or --resolver) and run doctor again")


def mx_finding(resolver: dns.resolver.Resolver, domain: str) -> Finding:
    try:
        hosts = mx_hosts(resolver, domain)
    except DnsFailure as exc:
        return warn("MX", str(exc), _(RETRY))
    if not hosts:
        return fail("MX", _("{domain} has no MX record").format(domain=domain),
                    _("publish an MX record for {domain}: without one, replies and bounces "
                      "cannot reach you and many receivers reject your mail").format(domain=domain))
    return ok("MX", ", ".join(hosts))


def spf_finding(resolver: dns.resolver.Resolver, domain: str, smtp_host: str) -> Finding:
    try:
        records = spf_records(resolver, domain)
        ips = host_addresses(resolver, smtp_host)
    except DnsFailure as exc:
        return warn("SPF", str(exc), _(RETRY))
    if len(records) > 1:
        return fail("SPF", _("{domain} publishes {count} SPF records").format(
                        domain=domain, count=len(records)),
                    _("merge them into one TXT record: two v=spf1 records are a permanent error"))
    if not records:
        return fail("SPF", _("{domain} has no SPF record").format(domain=domain),
                    _("publish one TXT record at {domain} like `{record}` so receivers know "
                      "{host} may send for you").format(
                        domain=domain, host=smtp_host,
                        record="v=spf1 include:<your provider's SPF domain> -all"))
    if not ips:
        return warn("SPF", _("{record} (could not resolve {host})").format(
            record=records[0], host=smtp_host), _(RETRY))
    return _spf_verdict(check_spf(resolver, domain, ips), smtp_host)


def _spf_verdict(report: SpfReport, smtp_host: str) -> Finding:
    record = report.record or ""
    worst = _worst(report)
    where = f"{smtp_host} ({', '.join(o.ip for o in report.outcomes)})"
    if worst.result == "pass":
        return ok("SPF", _("{record} authorizes {where}").format(record=record, where=where))
    if worst.result == "permerror":
        return fail("SPF", f"{record}: {worst.explanation}",
                    _("fix the record: it must parse and need at most {count} DNS lookups "
                      "(flatten nested include: chains)").format(count=MAX_LOOKUPS))
    if worst.result == "temperror":
        return warn("SPF", f"{record}: {worst.explanation}", _(RETRY))
    if worst.result == "fail":
        return fail("SPF", _("{record} does not authorize {where}").format(
                        record=record, where=where),
                    _("add your provider's include: (or ip4:{ip}) to the record").format(
                        ip=worst.ip))
    return warn("SPF", _("{record} gives {result} for {where}").format(
                    record=record, result=worst.result, where=where),
                _("add your provider's include: (or ip4:{ip}) so the result is pass").format(
                    ip=worst.ip))


_SEVERITY = ("pass", "neutral", "none", "softfail", "temperror", "fail", "permerror")


def _worst(report: SpfReport) -> SpfOutcome:
    return max(report.outcomes, key=lambda o: _SEVERITY.index(o.result)
               if o.result in _SEVERITY else len(_SEVERITY))


def dmarc_finding(resolver: dns.resolver.Resolver, domain: str) -> Finding:
    try:
        record = find_dmarc(resolver, domain)
    except DnsFailure as exc:
        return warn("DMARC", str(exc), _(RETRY))
    if record is None:
        return fail("DMARC", _("no DMARC record at {name}").format(name=f"_dmarc.{domain}"),
                    _("publish TXT `{record}` at {name}, then tighten it to quarantine once "
                      "reports look clean").format(
                        record=f"v=DMARC1; p=none; rua=mailto:dmarc@{domain}",
                        name=f"_dmarc.{domain}"))
    return _dmarc_verdict(record)


def _dmarc_verdict(record: DmarcRecord) -> Finding:
    if record.problems:
        return fail("DMARC", f"{record.text}: {'; '.join(record.problems)}",
                    _("fix the TXT record at {name}").format(name=f"_dmarc.{record.domain}"))
    policy = (record.policy or "").lower()
    if policy == "none":
        return warn("DMARC", _("p=none at {name} (monitoring only)").format(
                        name=f"_dmarc.{record.domain}"),
                    _("move to p=quarantine once SPF and DKIM pass: receivers trust "
                      "enforced domains more"))
    if record.percent < 100:
        return warn("DMARC", _("p={policy} for only {share} of mail").format(
                        policy=policy, share=percent(record.percent / 100, 0)),
                    _("raise pct to 100 (or drop the pct tag)"))
    return ok("DMARC", f"p={policy} at _dmarc.{record.domain}")
