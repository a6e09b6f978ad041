"""Automatic answers (headers, subjects, bodies) and the return date they state."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from outreach.mailbox.classify import Kind, classify, return_date

DATA = Path(__file__).parent / "data" / "classify"


def load(name: str) -> email.message.Message:
    return email.message_from_bytes((DATA / name).read_bytes(), policy=email.policy.default)


def message(headers: str, body: str) -> email.message.Message:
    return email.message_from_string(f"{headers}\n\n{body}", policy=email.policy.default)


def test_german_ooo_with_auto_submitted_and_return_date() -> None:
    result = classify(load("ooo_de_bis_4_dezember.eml"))
    assert result.kind is Kind.AUTO_REPLY
    assert result.evidence == "Auto-Submitted: auto-replied"
    assert result.auto_reply is not None
    assert result.auto_reply.return_date == dt.date(2026, 12, 4)


def test_english_exchange_ooo_returns_next_january() -> None:
    result = classify(load("ooo_en.eml"))
    assert result.kind is Kind.AUTO_REPLY
    assert "X-MS-Exchange-Generated-Message-Source" in result.evidence
    assert result.auto_reply is not None
    assert result.auto_reply.return_date == dt.date(2027, 1, 3)


def test_outlook_rule_reply_without_any_header_is_recognised_from_html_text() -> None:
    result = classify(load("outlook_rule_reply.eml"))
    assert result.kind is Kind.AUTO_REPLY
    assert result.auto_reply is not None
    assert result.auto_reply.return_date == dt.date(2027, 1, 3)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: on",
        "Precedence: auto_reply",
        "X-MS-Exchange-Inbox-Rules-Loop: tom@prospect.example.org",
    ],
)
def test_header_markers(header: str) -> None:
    msg = message(f"From: a@b.example\nSubject: Re: hello\n{header}", "Thanks, noted.")
    assert classify(msg).kind is Kind.AUTO_REPLY


def test_auto_submitted_no_is_a_person() -> None:
    msg = message("From: a@b.example\nSubject: Re: hello\nAuto-Submitted: no", "Yes, call me.")
    assert classify(msg).kind is Kind.REPLY


@pytest.mark.parametrize(
    "subject",
    [
        "Abwesenheitsnotiz: Ihre Anfrage",
        "Automatische Antwort: Angebot",
        "Out of Office: Quick question",
        "Réponse automatique : Votre message",
        "Respuesta automática: Consulta",
        "Risposta automatica: Domanda",
        "Automatisch antwoord: Vraag",
    ],
)
def test_subjects_in_six_languages(subject: str) -> None:
    msg = message(f"From: a@b.example\nSubject: {subject}", "Danke.")
    assert classify(msg).kind is Kind.AUTO_REPLY


def test_bulk_precedence_with_ooo_subject_is_auto_reply_not_newsletter() -> None:
    msg = message("From: a@b.example\nSubject: Out of office\nPrecedence: bulk", "Away.")
    assert classify(msg).kind is Kind.AUTO_REPLY


def test_ooo_wording_inside_a_quoting_reply_stays_a_reply() -> None:
    msg = message(
        "From: a@b.example\nSubject: Re: call",
        "I'm out of the office until Monday but yes, let's talk then.\n\n"
        "On Mon, Dec 14, 2026 at 10:00 AM Rep <rep@seller.example.com> wrote:\n> Call next week?",
    )
    assert classify(msg).kind is Kind.REPLY


REFERENCE = dt.date(2026, 12, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich bin bis 3. Januar nicht im Büro.", dt.date(2027, 1, 3)),
        ("Ich bin bis zum 03.01.2027 nicht erreichbar.", dt.date(2027, 1, 3)),
        ("I am away until Jan 3rd.", dt.date(2027, 1, 3)),
        ("I'll be back on 03.01.", dt.date(2027, 1, 3)),
        ("returning on January 3", dt.date(2027, 1, 3)),
        ("Je serai de retour le 3 janvier.", dt.date(2027, 1, 3)),
        ("Estaré fuera hasta el 8 de enero.", dt.date(2027, 1, 8)),
        ("Sono fuori ufficio fino al 7 gennaio.", dt.date(2027, 1, 7)),
        ("Ik ben afwezig tot en met 6 januari.", dt.date(2027, 1, 6)),
        ("Vom 20.12. bis 03.01. im Urlaub.", dt.date(2027, 1, 3)),
        ("Ab 21.12. im Urlaub, ab dem 7. Januar wieder erreichbar.", dt.date(2027, 1, 7)),
        ("Out from Dec 22 to Jan 5.", dt.date(2027, 1, 5)),
        ("back on 12/28", dt.date(2026, 12, 28)),
        ("Thank you for your message.", None),
    ],
)
def test_return_dates(text: str, expected: dt.date | None) -> None:
    assert return_date(text, REFERENCE) == expected


def test_return_date_without_year_picks_the_next_occurrence() -> None:
    assert return_date("bis 4. Dezember", dt.date(2026, 11, 24)) == dt.date(2026, 12, 4)
    assert return_date("bis 4. Dezember", dt.date(2026, 12, 5)) == dt.date(2027, 12, 4)
