"""What a person's reply means: interested, question, not now, referral… (pure, no IO).

Runs on a human reply's new text only (``Classification.new_text``: the quote and most of
the signature already removed); opt-outs never get here, they are kind ``unsubscribe``.
Rules do what rules do well: the date a "not now" means (:mod:`intent_dates`), the
addresses a referral names (:mod:`intent_referral`). A small linear model shipped in the
package (:mod:`intent_model`, trained by ``scripts/train_intent.py``) reads the rest, with
the rule hits among its features. Below the model's confidence threshold the answer is
``other`` with ``needs_review`` set rather than a confident mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.mailbox.classify.intent_dates import ResumeDate, resume_date, timing_rules
from outreach.mailbox.classify.intent_features import features
from outreach.mailbox.classify.intent_model import LinearModel, shipped_model
from outreach.mailbox.classify.intent_referral import referral_addresses
from outreach.states import ReplyIntent

_FEATURE_DATE = dt.date(2026, 1, 15)
"""Reference day for timing features when the reply has no date (only found/not found counts)."""
_NAMES_PERSON = frozenset({ReplyIntent.WRONG_PERSON, ReplyIntent.REFERRAL})


@dataclass(frozen=True, slots=True)
class IntentResult:
    """The intent of one reply, with what the rep acts on and why."""

    intent: ReplyIntent
    until: dt.date | None
    """For ``not_now``: the day the reply asks to be contacted again (None when unsaid)."""
    referral: tuple[str, ...]
    """For ``referral``: the addresses named (lower-cased), never the sender's or ours."""
    confidence: float
    """Probability of the intent the model chose (0..1)."""
    needs_review: bool
    """True when the model was unsure: the intent is then ``other``."""
    why: tuple[str, ...]
    """Rule hits and the features that weighed most, human-readable."""


def classify_intent(
    new_text: str,
    *,
    sent_at: dt.datetime | None,
    sender: str | None = None,
    own_addresses: Iterable[str] = (),
    model: LinearModel | None = None,
) -> IntentResult:
    """The intent of a reply's new text; ``sent_at`` (its Date header) resolves dates."""
    text = new_text or ""
    if not text.strip():
        return IntentResult(ReplyIntent.OTHER, None, (), 0.0, True, ("no new text",))
    addresses = referral_addresses(text, sender=sender, own_addresses=own_addresses)
    sent = sent_at.date() if sent_at is not None else None
    timing = resume_date(text, sent) if sent is not None else None
    hits = rule_hits(text, bool(addresses))
    scored = (model or shipped_model()).score(features(text, hits))
    label, confidence = scored.ranked[0]
    intent = ReplyIntent(label)
    shown = {f"rule {hit}" for hit in hits}  # already said in words
    why = [_describe_hit(hit) for hit in hits]
    why += [feature for feature in scored.top_features if feature not in shown]
    if addresses and intent in _NAMES_PERSON:
        intent = ReplyIntent.REFERRAL
        why.insert(0, f"names {', '.join(addresses)}")
    threshold = (model or shipped_model()).threshold
    if confidence < threshold and intent is not ReplyIntent.REFERRAL:
        why.append(f"unsure: {label} at {confidence:.2f} < {threshold:.2f}")
        return IntentResult(ReplyIntent.OTHER, None, (), confidence, True, tuple(why))
    return IntentResult(
        intent,
        _until(intent, timing, why),
        addresses if intent is ReplyIntent.REFERRAL else (),
        confidence,
        False,
        tuple(why),
    )


def rule_hits(text: str, has_address: bool) -> tuple[str, ...]:
    """Rule facts about the text, fed to the model as features (``scripts/train_intent.py`` too)."""
    hits = [f"date_{rule}" for rule in timing_rules(text, _FEATURE_DATE)]
    if has_address:
        hits.append("other_address")
    if names_person(text):
        hits.append("names_person")
    for name, pattern in _PHRASE_RULES.items():
        if pattern.search(text[:3_000]):
            hits.append(name)
    if "?" in text:
        hits.append("question_mark")
    return tuple(hits)


_GREETING_RE = re.compile(
    r"(?:hallo|hi|hello|hey|dear|guten\s(?:tag|morgen|abend)|sehr\sgeehrte[rs]?|liebe[rs]?|moin"
    r"|servus|grüezi|gruezi|good\s(?:morning|afternoon))\b",
    re.I,
)
_NAME = r"[A-ZÄÖÜ][a-zäöüßéèáóñ]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
_PERSON_RE = re.compile(
    rf"\b(?:Frau|Herrn?|Mr|Mrs|Ms|Miss|Dr)\.?\s(?:Dr\.\s)?{_NAME}"
    r"|\b(?:speak|talk|reach\sout|write|contact|ask|call|wenden\sSie\ssich|sprechen\sSie"
    r"|fragen\sSie|melden\sSie\ssich\sbei|schreiben\sSie|rufen\sSie|wende\sdich|frag)"
    rf"\b[^.\n?!]{{0,40}}?\b{_NAME}"
    rf"|\b{_NAME}(?:\s{_NAME})?\s(?:ist\szuständig|kümmert\ssich|macht\sdas|handles|manages|runs"
    r"|is\sresponsible|is\sin\scharge|takes\scare|is\sthe\sone|entscheidet|decides)\b"
)


_PHRASE_RULES = {
    "asks_about_us": re.compile(
        r"\b(?:woher\s(?:haben|hast)\s(?:sie|du)|wer\s(?:sind\ssie|bist\sdu)|where\sdid\syou\sget"
        r"|how\sdid\syou\sget|who\sare\syou|who\sgave\syou|are\syou\sa\sbot|is\sthis\sspam"
        r"|ist\sdas\sspam|wie\ssind\ssie\sauf\s(?:mich|uns)|why\sme\b|warum\sich\b)",
        re.I,
    ),
    "wrong_recipient": re.compile(
        r"\b(?:nicht\s(?:mehr\s)?zuständig|bei\smir\sfalsch|falsche[nr]?\s(?:adresse|ansprech\w+"
        r"|person|empfänger\w*)|in\s(?:rente|pension|ruhestand)|nicht\smehr\s(?:bei|im|in\sder)"
        r"|(?:hat|habe)\s\w*\s?(?:das\sunternehmen|die\sfirma|uns)\sverlassen|not\sthe\sright\sperson"
        r"|wrong\s(?:person|address|contact|recipient)|not\sresponsible|no\slonger\s(?:with|at|works?"
        r"|employed)|(?:has|have)\sleft|retired|not\smy\s(?:department|area|call)"
        r"|nicht\smein\s(?:bereich|thema))",
        re.I,
    ),
}
"""Phrases the corpus README names as the mark of an intent, fed to the model as features."""


def names_person(text: str) -> bool:
    """Whether the text names somebody ("Frau Neuhaus", "talk to Mark", "Jenny handles…"),
    outside a greeting line."""
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and _GREETING_RE.match(lines[0].strip()) and len(lines[0]) < 60:
        lines = lines[1:]
    return bool(_PERSON_RE.search("\n".join(lines)[:3_000]))


def _until(intent: ReplyIntent, timing: ResumeDate | None, why: list[str]) -> dt.date | None:
    if intent is not ReplyIntent.NOT_NOW or timing is None:
        return None
    why.insert(0, f'"{timing.phrase}" → {timing.date.isoformat()}')
    return timing.date


def _describe_hit(hit: str) -> str:
    if hit.startswith("date_"):
        return f"names a time ({hit[5:].replace('_', ' ')})"
    words = {
        "other_address": "names another address",
        "question_mark": "asks a question",
        "names_person": "names somebody",
        "asks_about_us": "asks about us, not the offer",
        "wrong_recipient": "says it reached the wrong person",
    }
    return words.get(hit, hit)
