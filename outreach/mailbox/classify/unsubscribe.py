"""Opt-out requests: an "unsubscribe" subject, or an opt-out phrase in the new text.

Only the sender's own words count (quotes and signature removed first), so our own
footer quoted back never looks like a request. "Not interested" alone is an answer,
not an opt-out; negated phrases ("I don't want to unsubscribe"), footer wording
("To unsubscribe, click here") and requests bounded by a time ("don't email me until
March", "bis Ende Q2 bitte nicht mehr anschreiben": a "not now") and the word quoted
in a longer text (I was about to reply "unsubscribe", but…: a mention, not a request)
are ignored, and so is a redirect ("schreiben Sie nicht mehr an meine Adresse, sondern an
einkauf@…": a referral; a request to remove or delete stays an opt-out).
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.intent_dates import resume_date
from outreach.mailbox.classify.intent_referral import referral_addresses
from outreach.mailbox.classify.rules import Rules

_REPLY_PREFIXES_RE = re.compile(
    r"^(?:\s*+(?:re|aw|sv|antw|fwd?|wg|tr|rv|r)\s*+(?:\[\d+\])?\s*+:)+", re.I
)
_NEGATION_RE = re.compile(
    r"\b(?:don't|do not|dont|didn't|did not|never|no need to|won't|wouldn't|nicht)"
    r"\s+(?:\w+\s+){0,2}(?:to\s+)?$",
    re.I,
)
_BOILERPLATE_RE = re.compile(
    r"(?:(?:^|[.!?:]\s+)to|click(?:\s+here)?\s+to|you\s+(?:can|may)(?:\s+always)?"
    r"|if\s+you\s+(?:no\s+longer\s+)?(?:wish|want|would\s+like|prefer)\s+to)\s+$",
    re.I,
)
"""Footer wording around an opt-out word ("To unsubscribe, click…"): not a request."""
_BUTTON_RE = re.compile(
    r"\b(?:hit|hitting|click|clicking|press|pressing|use|using)\s+(?:the\s+)?$", re.I
)
"""Talk about the unsubscribe button or link ("before I hit unsubscribe"): not a request."""
_MAX_TEXT = 5_000
_UNTIL = r"(?:until|till|til|before|prior\s+to|bis(?:\s+zum|\s+zur)?|vor)"
_UNTIL_AFTER_RE = re.compile(rf"^[\s,;:-]*(?:again\s+|wieder\s+|any\s+more\s+)?{_UNTIL}\b", re.I)
_UNTIL_BEFORE_RE = re.compile(rf"\b{_UNTIL}\b[^.!?\n]{{1,40}}$", re.I)
_QUOTES = "\"'„“”‚‘’«»‹›"
_WORD_RE = re.compile(r"\w+")
_SAYING_RE = re.compile(
    r"\b(?:reply|replied|write|wrote|say|said|type|typed|hit|click|respond|answer"
    r"|schreib\w*|antwort\w*|sag\w*|tipp\w*|klick\w*)\b",
    re.I,
)
_MENTION_MIN_WORDS = 6
"""A quoted opt-out word is only a mention in a text at least this long ("\"unsubscribe\""
alone is still a request)."""
_REMOVAL_RE = re.compile(
    r"remov|delet|unsubscrib|opt|off|list|lösch|loesch|austrag|trag\w* \w+ aus|abmeld|melden sie"
    r"|abbestell|streich|entfern|datenbank|verteiler",
    re.I,
)
_REDIRECT_RE = re.compile(
    r"\b(?:instead|rather|stattdessen|statt\s+dessen|sondern|use|verwenden\s+sie|nutzen\s+sie"
    r"|write\s+to|schreiben\s+sie\s+(?:bitte\s+)?an)\b",
    re.I,
)
_ANY_DAY = dt.date(2026, 1, 15)
"""Only whether a time is named matters here, not which day."""


def bare_subject(msg: Message) -> str:
    """The subject without reply/forward prefixes and surrounding punctuation."""
    subject = _REPLY_PREFIXES_RE.sub("", mime.header(msg, "Subject"))
    return subject.strip(" \t.!?:;-–—[](){}\"'")


def unsubscribe_subject(msg: Message, rules: Rules) -> str | None:
    """Evidence when the whole subject asks to unsubscribe (our List-Unsubscribe mailto)."""
    subject = bare_subject(msg)
    if subject and rules.unsubscribe_subjects.fullmatch(subject):
        return f"subject {subject!r}"
    return None


def unsubscribe_phrase(new_text: str, rules: Rules, *, sender: str | None = None) -> str | None:
    """Evidence when the new text asks to be removed (``sender``: the reply's From address)."""
    text = new_text[:_MAX_TEXT]
    pattern = rules.unsubscribe_phrases.pattern
    if pattern is None:
        return None
    normalized = _normalized(text)
    for match in pattern.finditer(normalized):
        before = normalized[max(0, match.start() - 40) : match.start()]
        if any(rule.search(before) for rule in (_NEGATION_RE, _BOILERPLATE_RE, _BUTTON_RE)):
            continue
        if _quoted_mention(normalized, match.start(), match.end()):
            continue
        if _redirect(normalized, match.group(0), sender):
            continue
        if not _bounded_by_time(normalized, match.start(), match.end()):
            return f"text {match.group(0)!r}"
    return None


def _normalized(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u00a0", " ")


def _bounded_by_time(text: str, start: int, end: int) -> bool:
    """True when the sentence limits the request to a time ("until March", "bis KW 12")."""
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [i for i in (text.find(mark, end) for mark in "!?\n") if i >= 0]
    sentence_end = min(ends, default=len(text))
    after, before = text[end:sentence_end], text[sentence_start:start]
    if _UNTIL_AFTER_RE.match(after) and resume_date(after, _ANY_DAY):
        return True
    limit = _UNTIL_BEFORE_RE.search(before)
    return bool(limit and resume_date(limit.group(0), _ANY_DAY))


def _quoted_mention(text: str, start: int, end: int) -> bool:
    """True for the phrase in quotation marks, talked about ("reply \"unsubscribe\"",
    "wenn ich \"abmelden\" schreibe", "\"abmelden\"? Nein…") in a longer text."""
    opens = start > 0 and text[start - 1] in _QUOTES
    closes = end < len(text) and text[end] in _QUOTES
    if not (opens and closes and len(_WORD_RE.findall(text)) >= _MENTION_MIN_WORDS):
        return False
    if text[end + 1 : end + 2] == "?":
        return True
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [i for i in (text.find(mark, end + 1) for mark in ".!?\n") if i >= 0]
    return bool(_SAYING_RE.search(text[sentence_start : min(ends, default=len(text))]))


def _redirect(text: str, phrase: str, sender: str | None) -> bool:
    """ "Don't write to my address, use einkauf@… instead": a redirect (a referral), not an
    opt-out. A request to remove or delete stays one even when another address is named."""
    if _REMOVAL_RE.search(phrase) or not _REDIRECT_RE.search(text):
        return False
    return bool(referral_addresses(text, sender=sender))
