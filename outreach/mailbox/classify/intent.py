"""What a person's reply means: its intent, with the date or the referral it names.

# placeholder: replaced by the intent branch on merge
A small rule-based stand-in with the final interface, so storage, effects and triage can
be built and tested around it: clear German/English phrases only; anything else is
``other`` with ``needs_review``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.states import ReplyIntent


@dataclass(frozen=True, slots=True)
class IntentResult:
    """A reply's intent and what it found to act on."""

    intent: ReplyIntent
    until: datetime.date | None
    """``not_now``: the day meant ("im März" → the next 1 March)."""
    referral: tuple[str, ...]
    """``referral``: the addresses of the person(s) named."""
    confidence: float
    needs_review: bool
    why: tuple[str, ...]


_MONTHS = {
    "januar": 1, "january": 1, "februar": 2, "february": 2, "märz": 3, "maerz": 3, "march": 3,
    "april": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "juli": 7, "july": 7, "august": 8,
    "september": 9, "oktober": 10, "october": 10, "november": 11, "dezember": 12,
    "december": 12,
}  # fmt: skip
_MONTH_RE = re.compile(r"\b(?:im|in|ab|from)\s+(" + "|".join(_MONTHS) + r")\b", re.I)
_ADDRESS_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_INTERESTED_RE = re.compile(r"\b(?:gerne|call|termin|meeting|anruf)\b", re.I)


def classify_intent(
    new_text: str,
    *,
    sent_at: datetime.datetime | None,
    sender: str | None = None,
    own_addresses: Iterable[str] = (),
) -> IntentResult:
    """The intent of a reply's new text (quotes removed), dates resolved against ``sent_at``."""
    known = {a.lower() for a in own_addresses} | ({sender.lower()} if sender else set())
    if month := _MONTH_RE.search(new_text):
        until = _next_first(_MONTHS[month.group(1).lower()], sent_at)
        return IntentResult(ReplyIntent.NOT_NOW, until, (), 0.9, False, (f"rule: {month[0]}",))
    found = [a for a in _ADDRESS_RE.findall(new_text) if a.lower() not in known]
    if found:
        addresses = tuple(dict.fromkeys(a.lower() for a in found))
        return IntentResult(ReplyIntent.REFERRAL, None, addresses, 0.9, False, ("rule: address",))
    if phrase := _INTERESTED_RE.search(new_text):
        why = (f"rule: {phrase[0]}",)
        return IntentResult(ReplyIntent.INTERESTED, None, (), 0.8, False, why)
    return IntentResult(ReplyIntent.OTHER, None, (), 0.0, True, ("no rule matched",))


def _next_first(month: int, sent_at: datetime.datetime | None) -> datetime.date:
    today = (sent_at or datetime.datetime.now(datetime.UTC)).date()
    first = datetime.date(today.year, month, 1)
    return first if first > today else datetime.date(today.year + 1, month, 1)
