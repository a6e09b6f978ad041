"""Making rendered text safe to put in a mail header (the subject).

A header value must never carry a line break: a CR or LF from a prospect's data would
end the Subject and start a header of the attacker's choosing. Python's ``str.splitlines``
(used by the ``email`` package) also breaks on VT, FF, FS, GS, RS, NEL, U+2028 and U+2029,
so every control, line- or paragraph-separator character is folded into a single space.
"""

from __future__ import annotations

import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def header_safe(text: str) -> str:
    """``text`` on one line: unsafe characters become spaces, runs of spaces collapse."""
    folded = "".join(" " if _unsafe(ch) else ch for ch in text)
    return " ".join(folded.split())


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES or ch.isspace()
