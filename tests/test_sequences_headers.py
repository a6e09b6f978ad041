"""Header safety: whatever a prospect's fields contain, the subject stays one header line."""

from __future__ import annotations

import email
import unicodedata
from email import policy
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.sequences import header_safe, load_sequence_text, render_step

SEQUENCE = load_sequence_text(
    "name: h\nsteps:\n"
    "  - subject: \"{Hi|Hello} {{ first_name | default('you') }} at "
    "{{ company | default('your company') }}: {{ title | default('') }}\"\n"
    "    body: \"Hi {{ first_name | default('there') }}\"\n", "h.yaml")

NASTY = "\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t :;=?Bcc:bcc@evil.example\u00e9\u4e2d"
FIELD_VALUES = st.one_of(st.text(max_size=80), st.text(alphabet=NASTY, max_size=80),
                         st.none())
FIELDS = st.fixed_dictionaries(
    {"email": st.just("p@example.com")},
    optional={"first_name": FIELD_VALUES, "company": FIELD_VALUES, "title": FIELD_VALUES},
)


def build_message(subject: str, body: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "rep@example.com"
    message["To"] = "p@example.com"
    message["Subject"] = subject
    message.set_content(body)
    return message.as_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FIELDS)
def test_rendered_subject_never_breaks_the_header_block(fields: dict[str, str | None]) -> None:
    rendered = render_step(SEQUENCE, 0, fields, 0)
    subject = rendered.subject
    assert subject is not None
    assert "\r" not in subject and "\n" not in subject
    assert len(subject.splitlines()) == 1 and subject == subject.strip()

    raw = build_message(subject, rendered.body)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed.keys() == ["From", "To", "Subject", "Content-Type",
                             "Content-Transfer-Encoding", "MIME-Version"]
    assert parsed["To"] == "p@example.com"
    # Content survives; whitespace between RFC 2047 encoded words may not (stdlib decoding).
    assert "".join(str(parsed["Subject"]).split()) == "".join(subject.split())
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    names = [line.split(b":", 1)[0] for line in head if not line[:1].isspace()]
    assert names == [b"From", b"To", b"Subject", b"Content-Type",
                     b"Content-Transfer-Encoding", b"MIME-Version"]


@given(st.text())
def test_header_safe_output_is_one_trimmed_line(text: str) -> None:
    safe = header_safe(text)
    assert len(safe.splitlines()) <= 1
    assert safe == safe.strip() and "  " not in safe
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in safe)


def test_header_safe_folds_injection_attempt() -> None:
    assert header_safe("Hello\r\nBcc: victim@example.com") == "Hello Bcc: victim@example.com"
    assert header_safe("a\u2028b\x85c\x00d") == "a b c d"
