"""The message as sent: From with display name, threading headers, Outlook's, List-Unsubscribe."""

from __future__ import annotations

import base64
import email
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.mailbox.compose import Envelope, as_bytes, compose
from outreach.mailbox.thread import Thread, thread_subject
from outreach.sequences.render import RenderedMessage

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ENVELOPE = Envelope("lena@firma.de", "Lena Maier", "max@kunde.de", "Max Müller",
                    "<step2@firma.de>", NOW)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_first_message_starts_a_thread() -> None:
    msg = parse(as_bytes(compose(ENVELOPE, RenderedMessage("Kunde & wir", "Hallo Max,\n"), Thread())))
    assert msg["From"] == "Lena Maier <lena@firma.de>"
    assert msg["To"] == "Max Müller <max@kunde.de>"
    assert msg["Subject"] == "Kunde & wir" and msg["Thread-Topic"] == "Kunde & wir"
    assert msg["Message-ID"] == "<step2@firma.de>"
    assert "In-Reply-To" not in msg and "References" not in msg
    assert "List-Unsubscribe" not in msg  # one-to-one mail by default (RFC 3834 responders)
    assert len(base64.b64decode(msg["Thread-Index"])) == 22
    assert msg.get_content().replace("\r\n", "\n") == "Hallo Max,\n"


def test_the_list_unsubscribe_header_when_the_sequence_asks_for_it() -> None:
    rendered = RenderedMessage("Kunde & wir", "Hallo Max,\n")
    msg = parse(as_bytes(compose(ENVELOPE, rendered, Thread(), unsubscribe_header=True)))
    assert msg["List-Unsubscribe"] == "<mailto:lena@firma.de?subject=unsubscribe>"


def test_follow_up_replies_in_the_thread() -> None:
    thread = Thread("Kunde & wir", "<step1@firma.de>", ("<step1@firma.de>", "<x@firma.de>"),
                    NOW - timedelta(days=3))
    msg = parse(as_bytes(compose(ENVELOPE, RenderedMessage(None, "Kurz nachgefragt\n"), thread)))
    assert msg["Subject"] == "Re: Kunde & wir"
    assert msg["In-Reply-To"] == "<step1@firma.de>"
    assert msg["References"] == "<step1@firma.de> <x@firma.de>"
    head = base64.b64decode(msg["Thread-Index"])
    assert len(head) == 27  # the thread's 22 bytes plus 5 for this reply
    first = parse(as_bytes(compose(Envelope("lena@firma.de", None, "max@kunde.de", None,
                                            "<step1@firma.de>", NOW - timedelta(days=3)),
                                   RenderedMessage("Kunde & wir", "x\n"), Thread())))
    assert base64.b64decode(first["Thread-Index"]) == head[:22]


def test_a_clock_that_stepped_back_does_not_break_the_thread_index() -> None:
    thread = Thread("s", "<step1@firma.de>", ("<step1@firma.de>",), NOW + timedelta(minutes=5))
    msg = compose(ENVELOPE, RenderedMessage(None, "x\n"), thread)
    assert len(base64.b64decode(msg["Thread-Index"])) == 27


def test_reply_prefixes_are_not_stacked() -> None:
    assert thread_subject("Re: AW: Antw: Angebot") == "Angebot"
    thread = Thread("AW: Angebot", "<a@b>", ("<a@b>",), NOW)
    assert compose(ENVELOPE, RenderedMessage(None, "x\n"), thread)["Subject"] == "Re: Angebot"


def test_lines_are_crlf_and_non_ascii_is_encoded() -> None:
    raw = as_bytes(compose(ENVELOPE, RenderedMessage("Grüße", "Schöne Grüße\n"), Thread()))
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.isascii()
    assert parse(raw)["Subject"] == "Grüße"


def test_html_alternative_and_body_lines_survive_as_written() -> None:
    body = "From here on, all is well.\nZeile mit Ümlaut\n" + "x" * 1200 + "\n"
    raw = as_bytes(compose(ENVELOPE, RenderedMessage("Hallo", body, "<p>Grüße</p>"), Thread()))
    msg = parse(raw)
    assert raw.isascii() and max(map(len, raw.split(b"\r\n"))) <= 998
    assert msg.get_content_type() == "multipart/alternative" and raw.count(b"MIME-Version") == 1
    plain, html = (part.get_content() for part in msg.iter_parts())
    assert plain.replace("\r\n", "\n") == body  # no ">From" mangling, long line intact
    assert html.strip() == "<p>Grüße</p>"


def test_long_non_ascii_subject_is_folded_and_decodes_back() -> None:
    subject = "Ärger mit Überweisungen? " * 6
    raw = as_bytes(compose(ENVELOPE, RenderedMessage(subject.strip(), "x\n"), Thread()))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(map(len, head.split(b"\r\n"))) <= 78
    assert parse(raw)["Subject"] == subject.strip()


@settings(max_examples=3000, deadline=None)
@given(
    name=st.sampled_from(["Subject", "To", "From", "References", "X-A"]),
    value=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=120)
    | st.text(alphabet=" abc<>@.,;:\t\r\n", max_size=90)
    | st.text(max_size=40),
)
def test_wire_policy_writes_headers_exactly_as_compat32(name: str, value: str) -> None:

    from outreach.mailbox.compose import WIRE

    reference = policy.compat32.clone(linesep="\r\n", mangle_from_=False)

    def folded(how: Callable[[str, str], str]) -> str:
        try:
            return how(name, value)
        except Exception as exc:  # noqa: BLE001 - both must refuse the same values
            return type(exc).__name__

    assert folded(WIRE.fold) == folded(reference.fold)
