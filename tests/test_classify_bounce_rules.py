"""Hard/soft rules of bounces, each on real reports from the public corpora.

Fixtures: tests/data/classify/corpora_snippets (SOURCES.md says where each comes from).
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from outreach.mailbox.classify import Bounce, BounceReason, Kind, classify
from outreach.mailbox.classify.smtp_stage import Stage, failed_stage

SNIPPETS = Path(__file__).parent / "data" / "classify" / "corpora_snippets"


def bounce_of(name: str) -> Bounce:
    msg = email.message_from_bytes((SNIPPETS / name).read_bytes(), policy=email.policy.compat32)
    result = classify(msg)
    assert result.kind is Kind.BOUNCE, result.evidence
    assert result.bounce is not None
    return result.bounce


def reasons(bounce: Bounce) -> list[tuple[BounceReason, bool]]:
    return [(r.reason, r.hard) for r in bounce.recipients]


# ---------------------------------------------------------------- SMTP stage


@pytest.mark.parametrize(
    ("report", "stage"),
    [
        ("550 Unknown user x@example.net (in reply to end of DATA\n    command)", Stage.DATA),
        ("said: 550 5.1.1 <x@example.org>: User unknown (in reply to RCPT TO command)", Stage.RCPT),
        (
            "SMTP error from remote mail server after MAIL FROM:<s@example.com> SIZE=1022:\n"
            "553 5.1.0 neko22nyaan neko.example.com does not exist",
            Stage.MAIL,
        ),
        ("SMTP error from remote mail server after pipelined RCPT TO:<x@example.org>:", Stage.RCPT),
        ("Connected to 192.0.2.112 but my name was rejected.", Stage.HELO),
        ("Connected to 192.0.2.112 but sender was rejected.", Stage.MAIL),
        ("host mx.example.org[192.0.2.1] refused to talk to me: 554 go away", Stage.CONNECT),
        ("most progress was RCPT TO response; remote host said: 550 Unknown user", Stage.RCPT),
        (">>> DATA\n<<< 550 Unknown user x@example.jp\n554 5.0.0 Service unavailable", Stage.DATA),
        (
            ">>> DATA\n<<< 550 <x@example.jp>: User unknown\n"
            "550 5.1.1 <x@example.jp>... User unknown\n<<< 554 Error: no valid recipients",
            Stage.RCPT,
        ),
        (">>> MAIL From:<s@example.co.jp>\n<<< 501 <s@example.co.jp>... no access", Stage.MAIL),
        ("550 5.1.1 <x@example.org>: User unknown", None),
    ],
)
def test_failed_stage_reads_each_mta_phrasing(report: str, stage: Stage | None) -> None:
    assert failed_stage(report) is stage


def test_rejected_at_mail_from_concerns_the_sender_not_the_recipient() -> None:
    # Exim: "after MAIL FROM: ... 550 5.1.7 No such domain" is about *our* domain.
    bounce = bounce_of("sisimai-lhost-exim-50.eml")
    assert reasons(bounce) == [(BounceReason.BLOCKED, False)]
    assert bounce.recipients[0].status == "5.1.7"


def test_rejected_at_helo_is_soft() -> None:
    # qmail: "Connected to … but my name was rejected. … 501 5.0.0 Invalid domain name".
    assert reasons(bounce_of("sisimai-lhost-qmail-04.eml")) == [(BounceReason.BLOCKED, False)]


def test_sender_status_code_alone_makes_it_a_sender_problem() -> None:
    msg = email.message_from_string(
        "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
        "Sorry, I wasn't able to deliver your message to the following addresses.\n\n"
        "<a@example.org>:\n553 5.1.8 <s@seller.example.com>... Domain of address"
        " s@seller.example.com does not exist\n",
    )
    bounce = classify(msg, our_addresses=["s@seller.example.com"]).bounce
    assert bounce is not None
    assert reasons(bounce) == [(BounceReason.BLOCKED, False)]


def test_user_unknown_answered_to_data_is_a_filter_not_a_dead_address() -> None:
    # Sendmail: ">>> DATA / <<< 550 Unknown user …" then "554 5.0.0 Service unavailable".
    bounce = bounce_of("sisimai-lhost-sendmail-19.eml")
    assert reasons(bounce) == [(BounceReason.BLOCKED, False)]


def test_pipelined_rcpt_reply_shown_after_data_is_still_user_unknown() -> None:
    # Sendmail's own line "550 5.1.1 <addr>... User unknown" says the reply was to RCPT TO.
    bounce = bounce_of("sisimai-lhost-sendmail-28.eml")
    assert reasons(bounce) == [(BounceReason.USER_UNKNOWN, True)]


def test_address_status_of_the_reporting_mta_outranks_the_data_stage() -> None:
    raw = (
        (SNIPPETS / "sisimai-lhost-sendmail-19.eml")
        .read_bytes()
        .replace(b"Status: 5.2.0", b"Status: 5.1.1")
    )
    bounce = classify(email.message_from_bytes(raw, policy=email.policy.compat32)).bounce
    assert bounce is not None
    assert reasons(bounce) == [(BounceReason.USER_UNKNOWN, True)]


# ---------------------------------------------------------------- wording


@pytest.mark.parametrize("name", ["sisimai-lhost-postfix-17.eml", "sisimai-lhost-postfix-34.eml"])
def test_dns_failure_on_the_way_is_soft(name: str) -> None:
    # "Malformed or unexpected name server reply" (5.4.4) / "Host not found, try again".
    bounce = bounce_of(name)
    assert reasons(bounce) == [(BounceReason.OTHER, False)]


def test_host_named_not_found_is_a_dead_domain() -> None:
    # DragonFly: "DNS lookup failure: host cx.libsisimai.org not found".
    assert reasons(bounce_of("sisimai-lhost-dragonfly-04.eml")) == [
        (BounceReason.HOST_UNKNOWN, True)
    ]


def test_domain_without_smtp_service_accepts_no_mail() -> None:
    # Exim via Mail.ru: "an MX or SRV record indicated no SMTP service" (null MX).
    bounce = bounce_of("sisimai-lhost-mailru-05.eml")
    assert reasons(bounce) == [(BounceReason.NOT_ACCEPT, True)]
    assert bounce.addresses == ("neko@libsisimai.org",)


def test_exchange_returned_headers_are_not_read_as_the_reason() -> None:
    # "Original message headers:" starts the returned copy; its Received-SPF is no reason.
    bounce = bounce_of("sisimai-lhost-office365-01.eml")
    assert reasons(bounce) == [(BounceReason.USER_UNKNOWN, True)]
    assert bounce.recipients[0].status == "5.1.10"


def test_human_readable_text_explains_a_vague_diagnostic() -> None:
    # Gmail: "** Address not found **" above "550 #5.1.0 Address rejected." (DSN 5.0.0).
    assert reasons(bounce_of("sisimai-rfc3464-51.eml")) == [(BounceReason.USER_UNKNOWN, True)]


def test_policy_status_outranks_the_human_readable_text() -> None:
    # 5.7.606 "banned sending IP", though sendmail's summary line says "User unknown".
    assert reasons(bounce_of("sisimai-rhost-microsoft-01.eml")) == [(BounceReason.BLOCKED, False)]


# ---------------------------------------------------------------- recipients


def test_inline_dsn_blocks_are_judged_on_their_own_text() -> None:
    bounce = bounce_of("sisimai-rfc3464-35.eml")
    by_address = {r.address: (r.reason, r.hard) for r in bounce.recipients}
    assert by_address["kijitora@nyaan.example.com"] == (BounceReason.OTHER, False)
    assert by_address["mikeneko@neko.example.or.jp"] == (BounceReason.USER_UNKNOWN, True)


def test_dsn_recipient_blocks_run_together_are_split() -> None:
    # AOL: two Final-Recipient groups with no blank line between them.
    bounce = bounce_of("sisimai-rhost-aol-03-trimmed.eml")
    assert bounce.addresses == ("sabineko@example.jp", "mikeneko@example.jp")
    assert reasons(bounce) == [
        (BounceReason.MAILBOX_FULL, False),
        (BounceReason.USER_UNKNOWN, True),
    ]


def test_help_address_of_the_report_is_not_a_failed_recipient() -> None:
    # Postfix: "For further assistance, please contact <support@ocn.ad.jp>".
    bounce = bounce_of("sisimai-lhost-postfix-07.eml")
    assert bounce.addresses == ("kijitora@user.example.or.jp",)


# ---------------------------------------------------------------- challenge-response


def test_challenge_response_report_is_an_automatic_answer() -> None:
    raw = (SNIPPETS / "bounceparser-boxbe-cr-trimmed.eml").read_bytes()
    result = classify(email.message_from_bytes(raw, policy=email.policy.compat32))
    assert result.kind is Kind.AUTO_REPLY
    assert "challenge_response" in result.flags
    assert "Guest List" in result.evidence or "waitlisted" in result.evidence


def test_challenge_wording_with_a_permanent_status_stays_a_bounce() -> None:
    raw = (SNIPPETS / "bounceparser-boxbe-cr-trimmed.eml").read_bytes()
    raw = raw.replace(b"Status: 4.7.0", b"Status: 5.7.1")
    result = classify(email.message_from_bytes(raw, policy=email.policy.compat32))
    assert result.kind is Kind.BOUNCE
    assert result.bounce is not None and not result.bounce.hard


def test_person_mentioning_a_guest_list_is_still_a_reply() -> None:
    msg = email.message_from_string(
        "From: Jane <jane@prospect.example.org>\nSubject: Re: Invitation\n"
        "In-Reply-To: <seq-1@seller.example.com>\n\n"
        "Sounds good, please add yourself to the guest list for Thursday.\n",
    )
    assert classify(msg).kind is Kind.REPLY
