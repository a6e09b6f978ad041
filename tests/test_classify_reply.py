"""Replies and opt-outs: new text without quotes/signatures, unsubscribe intent, bulk mail."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from outreach.mailbox.classify import Kind, classify, new_text, split_reply

DATA = Path(__file__).parent / "data" / "classify"


def load(name: str, policy: email.policy.Policy = email.policy.default) -> email.message.Message:
    return email.message_from_bytes((DATA / name).read_bytes(), policy=policy)


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.compat32])
def test_gmail_reply_drops_quote_and_quoted_unsubscribe_footer(policy) -> None:
    result = classify(load("gmail_reply_quote.eml", policy))
    assert result.kind is Kind.REPLY
    assert result.new_text == "Sounds good, let's talk on Tuesday at 10.\n\nAnna"


def test_german_reply_am_schrieb_keeps_only_new_text() -> None:
    msg = load("reply_de_am_schrieb.eml")
    result = classify(msg)
    assert result.kind is Kind.REPLY
    assert new_text(msg) == (
        "Hallo Herr Vertrieb,\n\nklingt interessant. Rufen Sie mich gern nächste Woche an."
        "\n\nGrüße\nKlaus Becker"
    )


def test_not_interested_alone_is_a_reply_and_iphone_signature_is_removed() -> None:
    result = classify(load("not_interested.eml"))
    assert result.kind is Kind.REPLY
    assert result.new_text == "Not interested at the moment, thanks."


def test_german_unsubscribe_above_outlook_header_block() -> None:
    result = classify(load("unsubscribe_de.eml"))
    assert result.kind is Kind.UNSUBSCRIBE
    assert result.new_text.startswith("Bitte tragen Sie mich aus Ihrem Verteiler aus")
    assert "Guten Tag Frau Koch" not in result.new_text


def test_english_please_stop_emailing_me_above_original_message() -> None:
    result = classify(load("unsubscribe_en.eml"))
    assert result.kind is Kind.UNSUBSCRIBE
    assert result.new_text == "Not interested - please stop emailing me."


def test_list_unsubscribe_mailto_subject() -> None:
    result = classify(load("unsubscribe_subject.eml"))
    assert result.kind is Kind.UNSUBSCRIBE
    assert result.evidence == "subject 'unsubscribe'"


def test_newsletter_is_other_even_with_unsubscribe_footer() -> None:
    result = classify(load("newsletter.eml"))
    assert result.kind is Kind.OTHER
    assert "bulk" in result.flags


def test_message_from_our_own_address_is_other() -> None:
    msg = load("gmail_reply_quote.eml")
    result = classify(msg, our_addresses=["ANNA.LEE@prospect.example.org"])
    assert result.kind is Kind.OTHER
    assert "from_us" in result.flags


def reply(body: str) -> email.message.Message:
    return email.message_from_string(
        f"From: p@prospect.example\nSubject: Re: hi\nIn-Reply-To: <x@y>\n\n{body}",
        policy=email.policy.default,
    )


@pytest.mark.parametrize(
    "body",
    [
        "Bitte austragen.",
        "Ich möchte keine weiteren E-Mails erhalten.",
        "Abmelden",
        "unsubscribe",
        "Please remove me from your list.",
        "Take me off your list!",
        "Not interested — please stop.",
        "please stop emailing me",
        "Do not contact me again.",
    ],
)
def test_opt_out_phrases(body: str) -> None:
    assert classify(reply(body)).kind is Kind.UNSUBSCRIBE


@pytest.mark.parametrize(
    "body",
    [
        "Not interested.",
        "Not interested right now, maybe next quarter.",
        "Please stop by our booth at the fair.",
        "I don't want to unsubscribe, just change my address.",
        "To unsubscribe from our newsletter, click here.",
        "Thanks!\n\n> To stop these emails, reply unsubscribe",
    ],
)
def test_answers_that_are_not_opt_outs(body: str) -> None:
    assert classify(reply(body)).kind is Kind.REPLY


def test_html_only_reply_uses_blockquote_as_quote() -> None:
    msg = email.message_from_string(
        "From: p@prospect.example\nSubject: Re: hi\nContent-Type: text/html; charset=utf-8\n\n"
        "<div>Yes please, send details.</div><blockquote>Hi, interested? unsubscribe</blockquote>",
        policy=email.policy.default,
    )
    result = classify(msg)
    assert result.kind is Kind.REPLY
    assert result.new_text == "Yes please, send details."


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("Yes.\n\nOn Mon, Jan 4, 2027 at 9:00 AM Rep <r@x.example> wrote:\n> hi", "Yes."),
        ("Ja.\n\nAm 04.01.2027 um 09:00 schrieb Rep <r@x.example>:\n> hallo", "Ja."),
        ("Oui.\n\nLe 4 janv. 2027 à 09:00, Rep <r@x.example> a écrit :\n> salut", "Oui."),
        ("Ok\n\n-----Original Message-----\nFrom: Rep\nSent: Monday\nSubject: hi", "Ok"),
        ("Gern.\n\nVon: Rep <r@x.example>\nGesendet: Montag\nAn: p\nBetreff: Hallo", "Gern."),
        ("Sure.\n\nOn Mon, Jan 4, 2027 at 9:00 AM Rep <\nr@x.example> wrote:\n> hi", "Sure."),
        ("Hello\n\n-- \nJane Doe\nACME", "Hello"),
        ("Hello\n\nSent from my iPhone", "Hello"),
        (
            "Hi,\n> question one\nanswer one\n\n> question two\nanswer two",
            "Hi,\nanswer one\n\nanswer two",
        ),
        ("> only a quote", ""),
    ],
)
def test_split_reply(text: str, body: str) -> None:
    assert split_reply(text).body == body


def test_split_reply_keeps_signature_apart() -> None:
    parts = split_reply("Hello\n\n-- \nJane Doe\n\nOn Mon, Rep <r@x.example> wrote:\n> hi")
    assert parts.body == "Hello"
    assert parts.signature == "--\nJane Doe"
    assert parts.quoted.startswith("On Mon")


def test_undecodable_charset_is_tolerated() -> None:
    msg = email.message_from_bytes(
        b"From: p@x.example\nSubject: Re: hi\nContent-Type: text/plain; charset=x-bogus\n"
        b"Content-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe, ja gerne.\n",
        policy=email.policy.default,
    )
    assert "ja gerne" in new_text(msg)
