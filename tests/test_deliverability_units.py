"""Pure pieces of the deliverability toolkit: parsers, verdict rules, report arithmetic."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from outreach.deliverability.dmarc import parse_dmarc
from outreach.deliverability.dns import ResolverSpec, parse_resolver
from outreach.deliverability.sender import (
    daily_cap_finding,
    freemail_finding,
    noreply_finding,
    provider_limit,
)
from outreach.deliverability.tls_check import PeerTls, certificate_finding
from outreach.deliverability.webhooks import sign, verify_signature
from outreach.errors import ConfigError
from outreach.store.models import InboundMessage
from outreach.views.numbers import Numbers, _Answer, _answer_counts, _Names
from outreach.views.numbers import answer_kind as _kind

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_parse_resolver() -> None:
    assert parse_resolver("127.0.0.1:5353") == ResolverSpec("127.0.0.1", 5353)
    assert parse_resolver("[::1]:53") == ResolverSpec("::1", 53)
    assert parse_resolver("ns.example") == ResolverSpec("ns.example", 53)
    assert parse_resolver(None) == ResolverSpec()
    with pytest.raises(ConfigError, match="host:port"):
        parse_resolver("127.0.0.1:dns")


def test_parse_dmarc() -> None:
    good = parse_dmarc("a.test", "v=DMARC1; p=quarantine; pct=50; rua=mailto:x@a.test")
    assert (good.policy, good.percent, good.problems) == ("quarantine", 50, ())
    assert parse_dmarc("a.test", "v=DMARC1; p=maybe").problems
    assert parse_dmarc("a.test", "p=reject; v=DMARC1").problems


def test_sender_habits() -> None:
    assert noreply_finding("no-reply@firma.de").status == "warn"
    assert noreply_finding("donotreply@firma.de").status == "warn"
    assert noreply_finding("lena@firma.de").status == "ok"
    assert freemail_finding("gmail.com").status == "warn"
    assert provider_limit("smtp.gmail.com", "gmail.com").daily == 500  # type: ignore[union-attr]
    assert provider_limit("smtp.gmail.com", "firma.de").daily == 2_000  # type: ignore[union-attr]
    assert provider_limit("smtp.office365.com", "firma.de").daily == 10_000  # type: ignore[union-attr]
    assert daily_cap_finding(600, "smtp.gmail.com", "gmail.com").status == "warn"
    assert daily_cap_finding(400, "smtp.gmail.com", "gmail.com").status == "ok"
    assert daily_cap_finding(5_000, "mail.firma.de", "firma.de").status == "ok"


def _peer(days_left: int) -> PeerTls:
    until = NOW + timedelta(days=days_left, hours=1)
    return PeerTls("TLSv1.3", {"notAfter": until.strftime("%b %d %H:%M:%S %Y GMT"),
                               "subject": ((("commonName", "mail.firma.de"),),)})


def test_certificate_findings() -> None:
    assert certificate_finding("c", _peer(90), False, NOW).status == "ok"
    soon = certificate_finding("c", _peer(3), False, NOW)
    assert soon.status == "warn" and "3 days left" in soon.detail
    assert certificate_finding("c", _peer(90), True, NOW).status == "warn"
    assert certificate_finding("c", None, False, NOW).status == "warn"


def _inbound(kind: str, manual: str | None = None, **details: object) -> InboundMessage:
    return InboundMessage(mailbox_id=1, folder="INBOX", uidvalidity=1, uid=1, kind=kind,
                          manual_kind=manual, details=details)


def test_outcome_kinds() -> None:
    assert _kind(_inbound("bounce", hard=True, final=True)) == "bounce_hard"
    assert _kind(_inbound("bounce", hard=False, final=True)) == "bounce_soft"
    assert _kind(_inbound("bounce", hard=False, final=False)) is None  # a delay warning
    assert _kind(_inbound("other", manual="reply")) == "reply"
    assert _kind(_inbound("reply", manual="other")) is None


def test_answers_count_people_once_and_bounces_per_send() -> None:
    def answer(kind: str, send: int, enrollment: int) -> _Answer:
        values: dict[str, int | str] = {"campaign_id": 1, "step_index": send // 3, "variant": 0,
                                        "mailbox_id": 1, "day": "2026-11-25"}
        return _Answer(kind, send, enrollment, values, NOW)

    answers = [answer("reply", 0, 0), answer("reply", 3, 0), answer("bounce_soft", 1, 1),
               answer("bounce_soft", 4, 1), answer("auto_reply", 2, 2)]
    names = _Names({1: "c"}, {1: "rep@x"})
    assert _answer_counts((), answers, names) == {
        (): {"replied": 1, "bounced_soft": 2, "auto_replies": 1}}
    by_step = _answer_counts(("campaign", "step"), answers, names)
    assert by_step[("c", 1)]["replied"] == by_step[("c", 2)]["replied"] == 1


def test_rates_say_what_they_are_a_share_of() -> None:
    numbers = Numbers(sent=9, contacted=6, replied=2, bounced_hard=1, unsubscribed=1)
    assert (numbers.delivered, numbers.reply_rate, numbers.bounce_rate) == (8, 2 / 6, 1 / 9)
    assert Numbers().reply_rate == 0.0


def test_signature_is_hmac_sha256_of_the_body() -> None:
    assert sign("key", b"{}") == "sha256=" + hmac.new(b"key", b"{}", hashlib.sha256).hexdigest()
    assert verify_signature("key", b"{}", sign("key", b"{}"))
    assert not verify_signature("key", b"{ }", sign("key", b"{}"))
