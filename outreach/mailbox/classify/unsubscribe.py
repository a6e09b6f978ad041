"""Opt-out requests: an "unsubscribe" subject, or an opt-out phrase in the new text.

Only the sender's own words count (quotes and signature removed first), so our own
footer quoted back never looks like a request. "Not interested" alone is an answer,
not an opt-out; negated phrases ("I don't want to unsubscribe") and footer wording
("To unsubscribe, click here") are ignored.
"""

from __future__ import annotations

import re
from email.message import Message

from outreach.mailbox.classify import mime
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
_MAX_TEXT = 5_000


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


def unsubscribe_phrase(new_text: str, rules: Rules) -> str | None:
    """Evidence when the new text asks to be removed."""
    text = new_text[:_MAX_TEXT]
    pattern = rules.unsubscribe_phrases.pattern
    if pattern is None:
        return None
    normalized = _normalized(text)
    for match in pattern.finditer(normalized):
        before = normalized[max(0, match.start() - 40) : match.start()]
        if not (_NEGATION_RE.search(before) or _BOILERPLATE_RE.search(before)):
            return f"text {match.group(0)!r}"
    return None


def _normalized(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u00a0", " ")
