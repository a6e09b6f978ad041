"""Personas: sandbox prospects that answer like people (or their mail servers) do.

This module is pure: it decides whether a persona reacts to a message and builds the
answer. :mod:`outreach.sandbox.postoffice` schedules and delivers it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from enum import StrEnum
from typing import Literal

__all__ = [
    "Behaviour",
    "Language",
    "Persona",
    "auto_reply",
    "human_reply",
    "reply_address",
    "unsubscribe_reply",
]

#: Language of the texts a persona writes.
Language = Literal["de", "en"]

_GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip

_REPLY_TEXT = {
    "de": "Hallo,\n\ndanke für Ihre Nachricht – das klingt interessant. "
    "Passt Ihnen ein kurzes Telefonat nächste Woche?\n\nViele Grüße\n{name}",
    "en": "Hi,\n\nthanks for reaching out – this sounds interesting. "
    "Could we have a short call next week?\n\nBest regards\n{name}",
}
_UNSUBSCRIBE_TEXT = {
    "de": "Bitte austragen, keine weiteren E-Mails.",
    "en": "Please remove me from your list, no more emails.",
}
_AUTO_REPLY_SUBJECT = {"de": "Automatische Antwort: {subject}", "en": "Out of Office: {subject}"}
_AUTO_REPLY_TEXT = {
    "de": "Vielen Dank für Ihre Nachricht. Ich bin bis {until} nicht im Büro und habe "
    "keinen Zugriff auf meine E-Mails. Ihre Nachricht wird nicht weitergeleitet.\n\n{name}",
    "en": "Thank you for your message. I am out of the office until {until} with no "
    "access to email. Your message will not be forwarded.\n\n{name}",
}


class Behaviour(StrEnum):
    """How a persona answers the message it reacts to."""

    SILENT = "silent"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"


@dataclass(frozen=True)
class Persona:
    """A sandbox prospect and how it reacts to the mail it receives.

    ``on_step`` is the 1-based number of the message (counted over everything the persona
    receives) it reacts to; ``None`` reacts to every message. A ``bounce`` persona bounces
    exactly the messages it reacts to and receives the others.
    """

    address: str
    behaviour: Behaviour
    delay: float = 0.0
    on_step: int | None = 1
    name: str | None = None
    language: Language = "de"

    @property
    def display_name(self) -> str:
        """The name shown in From and signatures: given, or made from the local part."""
        if self.name:
            return self.name
        local = self.address.split("@", 1)[0]
        return " ".join(word.capitalize() for word in local.replace("_", ".").split("."))

    def reacts_to(self, step: int) -> bool:
        """True if the persona answers the ``step``-th message it received."""
        return self.on_step is None or step == self.on_step


def reply_address(original: EmailMessage) -> str | None:
    """Where a person's reply goes: the Reply-To address, else the From address."""
    for header in ("Reply-To", "From"):
        addresses = [addr for _, addr in getaddresses(original.get_all(header, [])) if addr]
        if addresses:
            return addresses[0]
    return None


def human_reply(original: EmailMessage, persona: Persona, now: dt.datetime) -> EmailMessage:
    """A person's answer: "Re:" subject, threading headers, new text over the quote."""
    text = _REPLY_TEXT[persona.language].format(name=persona.display_name)
    return _threaded_reply(original, persona, now, text)


def unsubscribe_reply(original: EmailMessage, persona: Persona, now: dt.datetime) -> EmailMessage:
    """A person asking to be removed from the list, as a reply."""
    return _threaded_reply(original, persona, now, _UNSUBSCRIBE_TEXT[persona.language])


def auto_reply(
    original: EmailMessage, persona: Persona, now: dt.datetime, back_on: dt.date
) -> EmailMessage:
    """An out-of-office answer (RFC 3834 ``Auto-Submitted: auto-replied``)."""
    language = persona.language
    reply = _reply_headers(original, persona, now)
    reply["Subject"] = _AUTO_REPLY_SUBJECT[language].format(subject=_subject(original))
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Autoreply"] = "yes"
    until = _format_day(back_on, language)
    reply.set_content(_AUTO_REPLY_TEXT[language].format(until=until, name=persona.display_name))
    return reply


def _threaded_reply(
    original: EmailMessage, persona: Persona, now: dt.datetime, text: str
) -> EmailMessage:
    reply = _reply_headers(original, persona, now)
    reply["Subject"] = _re_subject(_subject(original))
    quote = _quoted(original, persona.language)
    reply.set_content(f"{text}\n\n{quote}")
    return reply


def _reply_headers(original: EmailMessage, persona: Persona, now: dt.datetime) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = f"{persona.display_name} <{persona.address}>"
    reply["To"] = reply_address(original) or ""
    reply["Date"] = format_datetime(now)
    reply["Message-ID"] = make_msgid(domain=persona.address.rpartition("@")[2] or None)
    message_id = original.get("Message-ID")
    if message_id:
        reply["In-Reply-To"] = message_id
        reply["References"] = " ".join([*str(original.get("References", "")).split(), message_id])
    return reply


def _subject(original: EmailMessage) -> str:
    return str(original.get("Subject", "")).strip()


def _re_subject(subject: str) -> str:
    return subject if subject.lower().startswith(("re:", "aw:")) else f"Re: {subject}"


def _quoted(original: EmailMessage, language: Language) -> str:
    body = original.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.rstrip().splitlines())
    return f"{_attribution(original, language)}\n{quoted}\n"


def _attribution(original: EmailMessage, language: Language) -> str:
    author = str(original.get("From", "")).strip()
    sent = _sent_at(original)
    if language == "de":
        return f"Am {sent:%d.%m.%Y} um {sent:%H:%M} schrieb {author}:"
    return f"On {sent:%a, %b %d, %Y} at {sent:%H:%M}, {author} wrote:"


def _sent_at(original: EmailMessage) -> dt.datetime:
    try:
        return parsedate_to_datetime(str(original["Date"]))
    except (TypeError, ValueError):
        return dt.datetime.now(dt.UTC)


def _format_day(day: dt.date, language: Language) -> str:
    if language == "de":
        return f"{day.day}. {_GERMAN_MONTHS[day.month - 1]}"
    return f"{day:%B} {day.day}"
