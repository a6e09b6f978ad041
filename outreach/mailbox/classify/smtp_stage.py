"""Which SMTP command a failure answered, read from a bounce's report text.

The stage tells what a rejection is about. Refused at the greeting, ``HELO``/``EHLO`` or
``MAIL FROM``, the receiving server rejected *us* (sending host or sender address), never
the recipient's address. Refused after ``DATA``, the address was accepted at ``RCPT TO``
and the content was filtered, whatever the wording ("550 Unknown user" from a carrier's
recipient-side filter). MTAs say it in their own phrasing:

- Postfix ``(in reply to end of DATA command)``, ``(in reply to MAIL FROM command)``;
- Exim ``SMTP error from remote mail server after [pipelined] MAIL FROM:<…>``;
- qmail ``Connected to … but sender was rejected`` / ``but my name was rejected``;
- Sendmail and Courier session transcripts (``>>> DATA`` then ``<<< 550 …``).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Stage(StrEnum):
    """The SMTP step a failure answered."""

    CONNECT = "connect"
    HELO = "helo"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


_COMMANDS = {
    "helo": Stage.HELO,
    "ehlo": Stage.HELO,
    "lhlo": Stage.HELO,
    "mail": Stage.MAIL,
    "rcpt": Stage.RCPT,
    "data": Stage.DATA,
    ".": Stage.DATA,
}
_STATED_RE = re.compile(
    r"\b(?:in\s+reply\s+to|after)\s+(?:end\s+of\s+)?(?:pipelined\s+)?"
    r"(HELO|EHLO|LHLO|MAIL\s+FROM|RCPT\s+TO|DATA)\b",
    re.I,
)
_PHRASE_RE = re.compile(
    r"\bbut\s+(?:(sender)|(my\s+name)|(greeting))\s+(?:was\s+rejected|failed)\b"
    r"|\bmost\s+progress\s+was\s+(RCPT)\s+TO\s+response\b"
    r"|\b(refused\s+to\s+talk\s+to\s+me|after\s+initial\s+connection)\b",
    re.I,
)
"""qmail's "Connected to … but sender was rejected", Postfix's "refused to talk to me"
(greeting), Exim's "after initial connection"."""
_PHRASE_STAGES = (Stage.MAIL, Stage.HELO, Stage.CONNECT, Stage.RCPT, Stage.CONNECT)
_SENT_RE = re.compile(r"^[^\S\n]*+>>>\s*+(\S+)", re.M)
_VERDICT_RE = re.compile(
    r"(?<![ \t])[ \t]*+[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?<?[^\s<>@]+@[^\s<>]+>?\.\.\. "
)
"""Sendmail's own verdict under a reply, "550 5.1.1 <user@host>... User unknown": it names
a recipient, so the reply answered that recipient's RCPT TO (with PIPELINING the
transcript shows it after DATA). A failed DATA reads "554 5.0.0 Service unavailable"."""
_PERMANENT_REPLY_RE = re.compile(r"^[^\S\n]*+<<<\s*+5\d\d\b", re.M)
_TEMPORARY_REPLY_RE = re.compile(r"^[^\S\n]*+<<<\s*+4\d\d\b", re.M)

BEFORE_RECIPIENT = frozenset({Stage.CONNECT, Stage.HELO, Stage.MAIL})
"""Stages whose rejection concerns the sending side, not the recipient's address."""


def failed_stage(report: str) -> Stage | None:
    """The SMTP step the first failure in ``report`` answered, None when it does not say."""
    return _stated_stage(report) or _phrase_stage(report) or _transcript_stage(report)


def _stated_stage(report: str) -> Stage | None:
    found = _STATED_RE.search(report)
    return _COMMANDS[found.group(1).split()[0].lower()] if found else None


def _phrase_stage(report: str) -> Stage | None:
    found = _PHRASE_RE.search(report)
    if found is None:
        return None
    index = next(i for i, group in enumerate(found.groups()) if group)
    return _PHRASE_STAGES[index]


def _transcript_stage(report: str) -> Stage | None:
    """In a ``>>>``/``<<<`` transcript: the last command sent before the first permanent
    error reply (the first temporary one when there is none)."""
    error = _PERMANENT_REPLY_RE.search(report) or _TEMPORARY_REPLY_RE.search(report)
    if error is None:
        return None
    sent = [match.group(1).lower() for match in _SENT_RE.finditer(report, 0, error.start())]
    stage = _COMMANDS.get(sent[-1].rstrip(":")) if sent else None
    if stage is Stage.DATA and _VERDICT_RE.match(report, report.find("\n", error.end()) + 1):
        return Stage.RCPT  # pipelined: the reply answered a RCPT TO sent with DATA
    return stage
