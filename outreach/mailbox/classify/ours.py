"""Lines of a reply that repeat what we sent: quoted back, so never the prospect's words.

We know what we sent. Whatever a client does to quote it (``>``, a TAB, an Outlook header
block, HTML turned into text, lines re-wrapped at 72 columns), the words stay ours. A line
of the reply whose text (quote markers, case and white space aside) occurs in one of our
sent steps is dropped; so the PS "reply 'abmelden' if you are not interested" never reads
as the prospect's opt-out. Short lines ("Danke", "Hallo Max,") are dropped only where
they join a dropped line as in our text: on their own they may well be the prospect's
(an "unsubscribe" answered to our PS).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_MARKERS_RE = re.compile(r"^(?:\s*(?:[>|:#]|[A-Za-z]{1,10}>(?=\s|$)))+")
"""Quote markers of any client: ``>``, ``|``, ``:``, ``#``, ``name>``, and indentation."""
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                         "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u00a0": " "})
_MIN_CHARS = 12
"""A line this long that occurs in our text is ours; shorter ones only in context."""
_MAX_SENT_CHARS = 50_000


def normalized(text: str) -> str:
    """Quote markers off, typographic quotes plain, case folded, white space single."""
    unquoted = "\n".join(_MARKERS_RE.sub("", line) for line in text.splitlines())
    return " ".join(unquoted.translate(_QUOTES).casefold().split())


def ours_mask(lines: Sequence[str], sent_texts: Sequence[str]) -> list[bool]:
    """For each line: True when it repeats our sent text."""
    sent = [normalized(text[:_MAX_SENT_CHARS]) for text in sent_texts if text.strip()]
    if not sent:
        return [False] * len(lines)
    texts = [normalized(line) for line in lines]
    mask = [len(text) >= _MIN_CHARS and _in_sent(text, sent) for text in texts]
    for index, text in enumerate(texts):
        if text and not mask[index] and _in_sent(text, sent):
            mask[index] = _continues_ours(mask, texts, index, sent)
    return mask


def _in_sent(text: str, sent: list[str]) -> bool:
    return bool(text) and any(text in whole for whole in sent)


def _continues_ours(mask: list[bool], texts: list[str], index: int, sent: list[str]) -> bool:
    """A short line is ours when, with the nearest line of ours above or below it, it reads
    as one passage of our text ("Hallo Max," then our first sentence); an "unsubscribe"
    written above our quoted PS does not."""
    above = next((i for i in range(index - 1, -1, -1) if texts[i]), None)
    below = next((i for i in range(index + 1, len(texts)) if texts[i]), None)
    text = texts[index]
    if above is not None and mask[above] and _in_sent(f"{texts[above]} {text}", sent):
        return True
    return below is not None and mask[below] and _in_sent(f"{text} {texts[below]}", sent)


def drop_ours(lines: list[str], sent_texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """``lines`` without those that repeat our sent text, and the dropped lines."""
    mask = ours_mask(lines, sent_texts)
    kept = [line for line, ours in zip(lines, mask, strict=True) if not ours]
    dropped = [line for line, ours in zip(lines, mask, strict=True) if ours]
    return kept, dropped
