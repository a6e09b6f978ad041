"""Bounces: RFC 3464 DSNs, non-standard reports, hard/soft, recipients, original id."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from outreach.mailbox.classify import BounceReason, Classification, Kind, classify

DATA = Path(__file__).parent / "data" / "classify"
OURS = ["rep@seller.example.com", "max@vertrieb.example.com"]
POLICIES = [email.policy.default, email.policy.compat32]


def classify_file(name: str, policy: email.policy.Policy = email.policy.default) -> Classification:
    msg = email.message_from_bytes((DATA / name).read_bytes(), policy=policy)
    return classify(msg, our_addresses=OURS)


@pytest.mark.parametrize("policy", POLICIES)
def test_postfix_dsn_is_a_hard_bounce_with_recipient_status_and_original_id(policy) -> None:
    result = classify_file("postfix_dsn.eml", policy)
    assert result.kind is Kind.BOUNCE
    bounce = result.bounce
    assert bounce is not None and bounce.standard
    assert bounce.addresses == ("nobody@prospect.example.org",)
    assert bounce.status == "5.1.1"
    assert bounce.hard and bounce.final
    assert bounce.recipients[0].reason is BounceReason.USER_UNKNOWN
    assert "User unknown" in (bounce.recipients[0].diagnostic or "")
    assert bounce.original_message_id == "<seq-7-step-1@seller.example.com>"


def test_exchange_ndr_takes_original_id_from_rfc822_headers_part() -> None:
    bounce = classify_file("exchange_ndr.eml").bounce
    assert bounce is not None
    assert bounce.addresses == ("gone@prospect.example.net",)
    assert bounce.status == "5.1.10"
    assert bounce.hard
    assert bounce.original_message_id == "<seq-9-step-1@seller.example.com>"


def test_exim_mailbox_full_without_dsn_is_a_soft_bounce() -> None:
    result = classify_file("soft_mailbox_full.eml")
    assert result.kind is Kind.BOUNCE
    bounce = result.bounce
    assert bounce is not None and not bounce.standard
    assert bounce.addresses == ("full@prospect.example.org",)
    assert bounce.status == "5.2.2"
    assert bounce.recipients[0].reason is BounceReason.MAILBOX_FULL
    assert not bounce.hard and bounce.final
    assert bounce.original_message_id == "<seq-7-step-2@seller.example.com>"
    assert "X-Failed-Recipients" in result.evidence


def test_delayed_dsn_is_a_soft_bounce_that_is_not_final() -> None:
    bounce = classify_file("delayed_dsn.eml").bounce
    assert bounce is not None
    assert bounce.recipients[0].action == "delayed"
    assert bounce.recipients[0].reason is BounceReason.DELAYED
    assert not bounce.final and not bounce.hard
    assert bounce.original_message_id == "<seq-7-step-3@seller.example.com>"


def test_failed_after_queue_expiry_with_4xx_status_is_final_but_soft() -> None:
    bounce = classify_file("expired_dsn.eml").bounce
    assert bounce is not None
    assert bounce.status == "4.4.1"
    assert bounce.final
    assert not bounce.hard
    assert bounce.recipients[0].reason is BounceReason.EXPIRED


def test_german_postmaster_report_without_dsn() -> None:
    result = classify_file("german_bounce_no_dsn.eml")
    assert result.kind is Kind.BOUNCE
    bounce = result.bounce
    assert bounce is not None
    assert bounce.addresses == ("alt@kunde.example.de",)
    assert bounce.status == "5.1.1"
    assert bounce.hard
    assert bounce.original_message_id == "<seq-42-step-1@vertrieb.example.com>"


def test_delivery_success_notice_is_other() -> None:
    raw = (DATA / "postfix_dsn.eml").read_bytes()
    raw = raw.replace(b"Action: failed", b"Action: delivered").replace(
        b"Status: 5.1.1", b"Status: 2.0.0"
    )
    result = classify(email.message_from_bytes(raw, policy=email.policy.default))
    assert result.kind is Kind.OTHER
    assert "delivered_dsn" in result.flags


def test_arf_feedback_report_is_other_with_flag() -> None:
    result = classify_file("arf_report.eml")
    assert result.kind is Kind.OTHER
    assert result.flags == frozenset({"feedback_report"})


def test_human_forwarding_a_bounce_text_is_not_a_bounce() -> None:
    msg = email.message_from_string(
        "From: Jane <jane@prospect.example.org>\nSubject: Fwd: Undelivered Mail Returned to Sender\n"
        "\nFYI, this bounced: could not be delivered, 550 5.1.1 user unknown.\n",
        policy=email.policy.default,
    )
    assert classify(msg).kind is Kind.REPLY


def test_multi_recipient_report_judges_each_recipient_on_its_own_text() -> None:
    msg = email.message_from_string(
        "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        "<a@example.org>:\n550 5.1.1 user unknown\n\n"
        "<b@example.org>:\n552 5.2.2 mailbox full\n",
        policy=email.policy.default,
    )
    bounce = classify(msg).bounce
    assert bounce is not None
    reasons = {r.address: (r.reason, r.hard) for r in bounce.recipients}
    assert reasons == {
        "a@example.org": (BounceReason.USER_UNKNOWN, True),
        "b@example.org": (BounceReason.MAILBOX_FULL, False),
    }


def test_policy_rejection_with_5xx_is_final_but_not_hard() -> None:
    raw = (
        (DATA / "postfix_dsn.eml")
        .read_bytes()
        .replace(b"Status: 5.1.1", b"Status: 5.7.1")
        .replace(b"User unknown in virtual mailbox table", b"blocked using spamhaus")
    )
    bounce = classify(email.message_from_bytes(raw, policy=email.policy.default)).bounce
    assert bounce is not None
    assert bounce.recipients[0].reason is BounceReason.BLOCKED
    assert bounce.final and not bounce.hard


def test_original_recipient_is_kept_when_an_alias_rewrote_it() -> None:
    raw = (
        (DATA / "postfix_dsn.eml")
        .read_bytes()
        .replace(
            b"Original-Recipient: rfc822;nobody@prospect.example.org",
            b"Original-Recipient: rfc822;sales@prospect.example.org",
        )
    )
    bounce = classify(email.message_from_bytes(raw, policy=email.policy.default)).bounce
    assert bounce is not None
    assert bounce.addresses == ("nobody@prospect.example.org",)
    assert bounce.all_addresses == ("nobody@prospect.example.org", "sales@prospect.example.org")
