"""The features the reply-intent model reads: word 1–2-grams, character 3–5-grams, rule hits.

Used both by ``scripts/train_intent.py`` and at run time, so a model always sees the
features it was trained on. Text is normalised first: NFKC, lower case, ``ß`` → ``ss``,
addresses → ``emailaddr``, links → ``urladdr``, digits → ``0``. Each group is scaled to
unit length on its own (a long reply does not drown the rule hits).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\[at\]|\(at\))[\w-]+(?:\.[\w-]+)+", re.I)
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_TOKEN_RE = re.compile(r"\w+|[?!]")
_CHAR_N = (3, 4, 5)
_MAX_CHARS = 3_000


def normalized(text: str) -> str:
    """The text as the features see it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text[:_MAX_CHARS]).lower().replace("ß", "ss")
    text = _URL_RE.sub(" urladdr ", _EMAIL_RE.sub(" emailaddr ", text))
    return re.sub(r"\d", "0", text)


def features(text: str, rule_hits: Iterable[str] = ()) -> dict[str, float]:
    """Feature name → value for one reply's new text plus the names of rule hits."""
    tokens = _TOKEN_RE.findall(normalized(text))
    words = set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)}
    chars = {gram for token in set(tokens) for gram in _char_grams(token)}
    found: dict[str, float] = {}
    _add_scaled(found, "w:", words)
    _add_scaled(found, "c:", chars)
    for hit in rule_hits:
        found[f"r:{hit}"] = 1.0
    found[f"r:length_{_length_bucket(len(tokens))}"] = 1.0
    return found


def _char_grams(token: str) -> Iterable[str]:
    padded = f" {token} "
    for n in _CHAR_N:
        for start in range(len(padded) - n + 1):
            yield padded[start : start + n]


def _add_scaled(found: dict[str, float], prefix: str, names: set[str]) -> None:
    if names:
        value = 1.0 / math.sqrt(len(names))
        for name in names:
            found[prefix + name] = value


def _length_bucket(count: int) -> str:
    if count <= 6:
        return "short"
    return "medium" if count <= 40 else "long"
