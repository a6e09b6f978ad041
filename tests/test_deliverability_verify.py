"""Prospect verification: offline rules, DNS against the real test server, campaigns."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import dns.asyncresolver
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from outreach.campaigns import service
from outreach.campaigns.verify import verify_enrollments
from outreach.cli import cli
from outreach.deliverability.address_rules import address_facts
from outreach.deliverability.dns import parse_resolver
from outreach.deliverability.domain_lookup import DomainStatus
from outreach.deliverability.verify import run_sync, verdict, verify_addresses
from outreach.store import open_store
from outreach.store.models import (
    Campaign,
    DomainCheck,
    Enrollment,
    Event,
    Prospect,
    Send,
    utcnow,
)
from tests.fixtures.campaigns import add_mailbox, add_prospects, write_sequence
from tests.fixtures.dns import DnsServer


def test_offline_facts() -> None:
    assert address_facts("Info@Acme.test").role
    assert address_facts("sales-de@acme.test").role
    assert not address_facts("max.mueller@acme.test").role
    assert address_facts("x@mailinator.com").disposable
    assert address_facts("x@gmail.com").freemail
    assert address_facts("not an address").syntax_error


@pytest.mark.parametrize(
    ("address", "domain", "status"),
    [
        ("max@acme.test", DomainStatus("acme.test", True, "MX"), "valid"),
        ("info@acme.test", DomainStatus("acme.test", True, "MX"), "risky"),
        ("max@dead.test", DomainStatus("dead.test", False, "NXDOMAIN"), "invalid"),
        ("max@slow.test", DomainStatus("slow.test", None, "timeout"), "unknown"),
        ("max@mailinator.com", None, "invalid"),
        ("max@@acme.test", None, "invalid"),
    ],
)
def test_verdict_rules(address: str, domain: DomainStatus | None, status: str) -> None:
    assert verdict(address_facts(address), domain).status == status


@pytest.fixture
def db(outreach_home: Path, dnsserver: DnsServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OUTREACH_DNS", dnsserver.spec)
    return open_store()


async def test_domains_against_the_dns_server(db: Any, dnsserver: DnsServer) -> None:
    addresses = ["a@acme.test", "b@aonly.test", "c@nullmx.test", "d@nomx.test",
                 "e@nosuch.test", "f@example.org"]
    summary = await verify_addresses(db, addresses, parse_resolver(dnsserver.spec))
    by_email = {v.email: v for v in summary.verdicts}
    assert by_email["a@acme.test"].status == "valid"
    assert by_email["b@aonly.test"].status == "valid"
    assert "null MX" in by_email["c@nullmx.test"].reason
    assert by_email["d@nomx.test"].status == "invalid"
    assert "does not exist" in by_email["e@nosuch.test"].reason
    assert by_email["f@example.org"].status == "unknown"  # the server REFUSES: not known


async def test_one_lookup_per_domain_and_cached(db: Any, dnsserver: DnsServer,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    asked: Counter[tuple[str, str]] = Counter()
    original = dns.asyncresolver.Resolver.resolve

    async def counting(self: Any, qname: Any, rdtype: Any = "A", *args: Any, **kw: Any) -> Any:
        asked[(str(qname), str(rdtype))] += 1
        return await original(self, qname, rdtype, *args, **kw)

    monkeypatch.setattr(dns.asyncresolver.Resolver, "resolve", counting)
    addresses = [f"p{n}@{d}" for n in range(40) for d in ("acme.test", "aonly.test", "nosuch.test")]
    progress: list[int] = []
    first = await verify_addresses(db, addresses, parse_resolver(dnsserver.spec),
                                   on_progress=progress.append)
    assert first.looked_up == 3 and sum(progress) == len(addresses)
    assert asked[("acme.test", "MX")] == 1 and asked[("nosuch.test", "MX")] == 1
    assert asked[("aonly.test", "A")] == 1
    second = await verify_addresses(db, addresses, parse_resolver(dnsserver.spec))
    assert second.looked_up == 0 and second.verdicts == first.verdicts
    assert asked[("acme.test", "MX")] == 1


def test_run_sync_inside_a_running_loop(db: Any, dnsserver: DnsServer) -> None:
    import asyncio

    async def caller() -> str:
        summary = run_sync(lambda: verify_addresses(db, ["a@acme.test"]))
        return summary.verdicts[0].status

    assert asyncio.run(caller()) == "valid"


def test_campaign_start_never_sends_to_invalid(db: Any, tmp_path: Path) -> None:
    add_mailbox(db, "rep@sales.test", "pw", "127.0.0.1", 2525, 1143)
    good, role = "max@acme.test", "info@acme.test"
    bad = ["x@nullmx.test", "y@mailinator.com", "z@nosuch.test"]
    add_prospects(db, [good, role, *bad])
    service.create_campaign(db, "q1", write_sequence(tmp_path / "s.yaml"), ["rep@sales.test"],
                            tags=["t"])
    summary = verify_enrollments(db, "q1")
    assert {v.email for v in summary.invalid} == set(bad)
    service.start_campaign(db, "q1")
    with Session(db) as session:
        states = {p.email: e.state for e, p in session.exec(
            select(Enrollment, Prospect).where(Enrollment.prospect_id == Prospect.id))}
        queued = {p.email for s, p in session.exec(
            select(Send, Prospect).where(Send.prospect_id == Prospect.id))}
        events = session.exec(select(Event).where(Event.kind == "invalid")).all()
    assert states == {good: "active", role: "active", **dict.fromkeys(bad, "invalid")}
    assert queued == {good, role}
    assert len(events) == 3 and all(e.data["reason"] for e in events)


def test_cli_prospects_verify(db: Any) -> None:
    add_prospects(db, ["max@acme.test", "info@acme.test", "z@nosuch.test"], tag="q1")
    add_prospects(db, ["other@acme.test"], tag="q2")
    result = CliRunner().invoke(cli, ["prospects", "verify", "--tag", "q1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["checked"], data["valid"], data["risky"], data["invalid"]) == (3, 1, 1, 1)
    text = CliRunner().invoke(cli, ["prospects", "verify"])
    assert text.exit_code == 0 and "4 checked over 2 domains" in text.output, text.output


async def test_dns_failures_are_retried_and_unknown_never_invalid(
    db: Any, dnsserver: DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server REFUSES names outside ``test.`` (as a failing resolver SERVFAILs):
    each lookup is tried three times, the answer is unknown and nothing is cached."""
    asked: Counter[str] = Counter()
    original = dns.asyncresolver.Resolver.resolve

    async def counting(self: Any, qname: Any, rdtype: Any = "A", *args: Any, **kw: Any) -> Any:
        asked[f"{qname} {rdtype}"] += 1
        return await original(self, qname, rdtype, *args, **kw)

    monkeypatch.setattr(dns.asyncresolver.Resolver, "resolve", counting)
    spec = parse_resolver(dnsserver.spec)
    summary = await verify_addresses(db, ["max@example.org"], spec, retry_delay=0.01)
    [unknown] = summary.verdicts
    assert (unknown.status, summary.count("invalid")) == ("unknown", 0)
    assert "DNS could not tell" in unknown.reason and "3 tries" in unknown.reason
    assert asked["example.org MX"] == 3
    again = await verify_addresses(db, ["max@example.org"], spec, retry_delay=0.01)
    assert again.looked_up == 1 and asked["example.org MX"] == 6  # unknowns are not cached


def _draft(db: Any, tmp_path: Path, emails: list[str]) -> None:
    add_mailbox(db, "rep@sales.test", "pw", "127.0.0.1", 2525, 1143)
    add_prospects(db, emails)
    service.create_campaign(db, "q1", write_sequence(tmp_path / "s.yaml"), ["rep@sales.test"],
                            tags=["t"])


def _campaign_state(db: Any) -> tuple[str, dict[str, str], int]:
    with Session(db) as session:
        [campaign] = session.exec(select(Campaign)).all()
        states = {p.email: e.state for e, p in session.exec(
            select(Enrollment, Prospect).where(Enrollment.prospect_id == Prospect.id))}
        sends = len(session.exec(select(Send)).all())
    return campaign.state, states, sends


def test_start_that_would_send_nothing_stays_a_draft(db: Any, tmp_path: Path) -> None:
    _draft(db, tmp_path, ["x@nullmx.test", "z@nosuch.test"])
    result = CliRunner().invoke(cli, ["campaign", "start", "q1"])
    assert result.exit_code != 0
    output = result.output
    assert "2 invalid (not sent)" in output and "0 valid" in output, output
    assert "z@nosuch.test: the domain does not exist (NXDOMAIN)" in output, output
    assert "x@nullmx.test: null MX" in output, output
    assert "would send nothing" in output and "stays a draft" in output, output
    assert "campaign verify q1" in output, output
    assert _campaign_state(db) == ("draft", dict.fromkeys(
        ["x@nullmx.test", "z@nosuch.test"], "invalid"), 0)


def test_campaign_verify_rechecks_what_a_wrong_answer_marked_invalid(
    db: Any, tmp_path: Path
) -> None:
    """A resolver once said NXDOMAIN for acme.test (cached): start refuses; `campaign
    verify` asks DNS afresh, enrolls the prospects again, and start then queues them."""
    with Session(db) as session:
        session.add(DomainCheck(domain="acme.test", accepts_mail=False,
                                detail="the domain does not exist (NXDOMAIN)",
                                checked_at=utcnow()))
        session.commit()
    _draft(db, tmp_path, ["max@acme.test", "z@nosuch.test"])
    refused = CliRunner().invoke(cli, ["campaign", "start", "q1"])
    assert refused.exit_code != 0 and "max@acme.test: the domain does not exist" in refused.output
    recheck = CliRunner().invoke(cli, ["campaign", "verify", "q1"])
    assert recheck.exit_code == 0, recheck.output
    assert "1 valid" in recheck.output and "1 invalid" in recheck.output, recheck.output
    assert _campaign_state(db) == ("draft", {"max@acme.test": "active",
                                             "z@nosuch.test": "invalid"}, 0)
    started = CliRunner().invoke(cli, ["campaign", "start", "q1"])
    assert started.exit_code == 0, started.output
    assert "1 first email queued" in started.output, started.output
    assert _campaign_state(db)[0] == "active"


def test_campaign_verify_json(db: Any, tmp_path: Path) -> None:
    _draft(db, tmp_path, ["max@acme.test", "z@nosuch.test"])
    result = CliRunner().invoke(cli, ["campaign", "verify", "q1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["checked"], data["valid"], data["invalid"]) == (2, 1, 1)
