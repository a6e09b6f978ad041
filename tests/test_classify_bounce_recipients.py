"""Which address a bounce reports as failed, on real reports and on MTA phrasings.

Real reports: the development half of ``corpora/flufl_bounce`` (Mailman's samples; never
its held-out half) and sisimai fixtures in tests/data/classify/corpora_snippets
(SOURCES.md). The synthetic messages below use the wording of the mail systems named.
"""

from __future__ import annotations

import email
import email.policy
import json
from email.message import Message
from pathlib import Path

import pytest

from outreach.mailbox.classify import Bounce, Kind, classify

ROOT = Path(__file__).resolve().parents[1]
FLUFL = ROOT / "corpora" / "flufl_bounce"
SNIPPETS = Path(__file__).parent / "data" / "classify" / "corpora_snippets"


def parse(raw: bytes | str) -> Message:
    data = raw.encode() if isinstance(raw, str) else raw
    return email.message_from_bytes(data, policy=email.policy.compat32)


def bounce(msg: Message, our_addresses: tuple[str, ...] = ()) -> Bounce:
    result = classify(msg, our_addresses=our_addresses)
    assert result.kind is Kind.BOUNCE, result.evidence
    assert result.bounce is not None
    return result.bounce


def reported(msg: Message, our_addresses: tuple[str, ...] = ()) -> list[str | None]:
    return [r.address for r in bounce(msg, our_addresses).reported]


def flufl_dev(name: str) -> Message:
    """A development-half message of corpora/flufl_bounce (held-out ones are refused)."""
    lines = (FLUFL / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    splits = {row["file"]: row["split"] for row in map(json.loads, lines)}
    assert splits[f"data/{name}"] == "dev", f"{name} is held out: tests must not read it"
    return parse((FLUFL / "data" / name).read_bytes())


# ---------------------------------------------------------------- real reports


def test_returned_copy_envelope_recipient_beats_a_directory_suggestion() -> None:
    # LLNL's notice names the failed address in a sentence, suggests a colleague's address
    # next to a phone number ("+1 925-423-5635" is no SMTP reply), and quotes the copy
    # after "Original message as received is as follows:"; the copy was received
    # "for <trotts1@llnl.gov>", its To is the mailing list.
    assert reported(flufl_dev("llnl_01.txt")) == ["trotts1@llnl.gov"]


def test_x_original_to_written_by_the_failing_system_may_name_the_failed_address() -> None:
    # Exchange's CDO copies the original's x-Original-To into its report, below the
    # Received fields: not where our delivery writes one.
    assert reported(flufl_dev("microsoft_03.txt")) == ["midica@banknbr.com"]


def test_x_original_to_above_the_received_fields_is_ours() -> None:
    # DragonFly Mail Agent: Postfix wrote the top X-Original-To when delivering the
    # report to postmaster@df.example.jp; the one below names the failed recipient.
    msg = parse((SNIPPETS / "sisimai-lhost-dragonfly-27.eml").read_bytes())
    assert reported(msg) == ["neko-nyaan@example.org"]


def test_listed_local_part_is_completed_from_the_returned_copy() -> None:
    # "Message not delivered to the following: thomas.dtankengine  No matches to
    # nameserver query"; the copy was received for <thomas.dtankengine@yale.edu>. The
    # help text's example addresses ("if mike.fox@yale.edu fails") are no recipients.
    assert reported(flufl_dev("yale_01.txt")) == ["thomas.dtankengine@yale.edu"]


def test_dsn_block_without_an_address_takes_the_one_the_report_names() -> None:
    # sendmail: "Final-Recipient: RFC822; @mx.example.org"; the transcript says
    # "550 5.1.2 <kijitora@example.org>... Host unknown".
    msg = parse((SNIPPETS / "sisimai-lhost-sendmail-15.eml").read_bytes())
    assert reported(msg) == ["kijitora@example.org"]


def test_words_of_the_returned_copy_are_not_local_parts() -> None:
    # The returned copy's body ("Nyaan") follows the list in the report text: only the
    # first lines under the list's intro may be bare local parts.
    msg = parse((SNIPPETS / "sisimai-lhost-x1-01.eml").read_bytes())
    assert reported(msg) == ["kijitora@example.co.jp"]


# ---------------------------------------------------------------- MTA phrasings

HEAD = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    "To: rep@seller.example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n\n"
)


@pytest.mark.parametrize(
    "sentence",
    [
        "There was an error delivering your mail to <jane@example.org>.",
        "The address to which your message was addressed, jane@example.org, did not\n"
        "exactly match an email address here.",
        "Your message to jane@example.org could not be delivered.",
        "User unknown: jane@example.org",
        "Delivery to jane@example.org failed permanently.",
    ],
)
def test_failure_sentence_names_the_failed_address(sentence: str) -> None:
    text = f"{HEAD}{sentence}\n\nFor help, please contact help@example.net\n"
    assert reported(parse(text)) == ["jane@example.org"]


def test_rcpt_to_line_of_the_message_details_names_the_recipient() -> None:
    # Verizon/Apache James style: the error, then the message details with MAIL FROM
    # (ours) and RCPT TO (the failed recipient).
    text = (
        f"{HEAD}Error: Invalid user address\n\nError message below:\n"
        "550 - Requested action not taken: no such user here\n\nMessage details:\n"
        "  Subject: Hello\n  MAIL FROM: rep@seller.example.com\n"
        "  RCPT TO: jane@example.org\n  From: rep@seller.example.com\n"
    )
    assert reported(parse(text)) == ["jane@example.org"]


def test_bare_local_part_without_a_copy_takes_the_reporting_domain() -> None:
    # AOL: "Your mail to the following recipients could not be delivered …" then the
    # screen name alone; the report comes from MAILER-DAEMON@aol.com.
    text = (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@aol.com>\n"
        "To: rep@seller.example.com\nSubject: Mail Delivery Problem\n\n"
        "Sorry rep@seller.example.com. Your mail to the following recipients could not be\n"
        "delivered because they are not accepting mail with attachments:\n\tjanedoe42\n"
    )
    assert reported(parse(text)) == ["janedoe42@aol.com"]


def test_our_alias_in_a_delivery_x_original_to_is_never_the_failed_address() -> None:
    # Postfix delivered the report to the rep through an alias: X-Original-To above the
    # Received fields. The report names no address; the returned copy's To is the
    # prospect.
    text = (
        "X-Original-To: sales@seller.example.com\n"
        "Delivered-To: rep@seller.example.com\n"
        "Received: from mx.example.net by mail.seller.example.com; Mon, 7 Dec 2026\n"
        "From: MAILER-DAEMON@mx.example.net\nTo: sales@seller.example.com\n"
        "Subject: Returned mail: see transcript for details\n\n"
        "Your message could not be delivered: 550 5.1.1 mailbox unavailable\n\n"
        "------ This is a copy of the message, including all the headers. ------\n"
        "From: sales@seller.example.com\nTo: jane@example.org\nSubject: Hello\n\nHi Jane\n"
    )
    assert reported(parse(text)) == ["jane@example.org"]


def test_path_prefixed_and_mailto_forms_count_once() -> None:
    text = (
        f"{HEAD}The following recipients failed:\n\n"
        "  mailto:Jane@Example.org.\n  identity/jane@example.org\n"
    )
    assert reported(parse(text)) == ["jane@example.org"]
