"""A reply's new text: quoted mail, forwarded mail and the signature removed.

Quoted lines (``>``) are dropped wherever they are, so answers written between them
survive. A line introducing earlier mail ("On … wrote:", "Am … schrieb …:") is dropped
with its quote, ``>``-quoted or indented with a TAB or spaces (s-nail, BSD mailx); when
unquoted mail follows it instead ("-----Original Message-----", an Outlook
"From:/Sent:/To:" block, Outlook's underscore rule) everything from there on is cut.
Lines repeating the step we sent are removed wherever they stand (:mod:`.ours`). The
signature starts at a ``-- `` line, a mobile footer ("Sent from my iPhone") or, among the
last lines, an underscore rule or a "-Name" sign-off.

Why not a library: ``bench/quote_libraries.py`` scores maintained ones on the three
public corpora with expected reply texts, on the same input and scoring as ours, and on
50 client quoting styles (2026-12; messages whose new text is right, discourse / talon /
reply_parser / client styles): this module 63/64, 23/24, 82/85, 50/50 (45/50 before TAB
quotes); talon 1.4.4 (last release 2017) 32/64, 22/24, 57/85, 24/50; mail-parser-reply
1.36 16/64, 18/24, 38/85, 21/50 (22/64, 18/24, 51/85 with our signature cut); quotequail
0.5.4 14/64, 7/24, 23/85, 21/50 (20/64, 9/24, 36/85, 22/50 with our signature cut).
Of the 14 TAB-quoted styles talon and mail-parser-reply get 3, quotequail 7. None
compares with the text we sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from outreach.mailbox.classify.ours import drop_ours
from outreach.mailbox.classify.quote_markers import (
    ends_with_address_colon,
    ends_with_wrote,
    has_date_and_address,
    header_kind,
    is_framed_title,
    is_quote_intro,
    may_start_intro,
    names_writer,
    starts_like_intro,
)
from outreach.mailbox.classify.rules import Rules, default_rules

_SIG_DELIMITER_RE = re.compile(r"^(?:-- ?|--\s*|—|- -)$")
_BLANKS_OR_SEPARATOR_RE = re.compile(r"^\s*(?:[-_=*~#+ᐧ—]\s*)*$")
_SIGN_OFF_RE = re.compile(r"^(?:_{2,}|-\w[^\n]{0,40})$")
"""Near the end only: an underscore rule (list footers) or a "-Name" sign-off."""
_TAIL_LINES = 8
_QUOTE_RE = re.compile(r"^\s*(?:>|\|(?!.*\|\s*$)|[A-Za-z]{1,10}>(?:\s|$))")
_MAX_LINES = 5_000
_HEADER_WINDOW = 6
_INTRO_SPAN = 7
_MAX_SIGNATURE_SCAN = 1_000
_INTRO_LINES = 4
_INDENT_RE = re.compile(r"^(?:\t| {2,})")
"""How s-nail/BSD mailx (a TAB) and some webmailers (spaces) indent a quote."""


@dataclass(frozen=True)
class ReplySplit:
    """A reply body cut into the sender's text, their signature and the quoted rest."""

    body: str
    """New text without signature."""
    signature: str
    """The signature block under the new text ("" when none)."""
    quoted: str
    """Everything removed as quoted or forwarded mail."""


def split_reply(
    text: str, rules: Rules | None = None, sent_texts: Sequence[str] = ()
) -> ReplySplit:
    """Split a plain-text reply body (never raises).

    ``sent_texts`` are the steps we sent that this message answers: lines repeating them
    are quoted, whatever the client did to them (see :mod:`.ours`).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:_MAX_LINES]
    kept, removed = _scan([line.rstrip() for line in lines])
    kept, ours = drop_ours(kept, sent_texts)
    removed.extend(ours)
    body, signature = split_signature(kept, rules or default_rules())
    return ReplySplit(_tidy(body), "\n".join(signature).strip("\n"), "\n".join(removed).strip())


def _scan(lines: list[str]) -> tuple[list[str], list[str]]:
    """Lines of the sender's own text, and the quoted/forwarded lines removed."""
    kept: list[str] = []
    removed: list[str] = []
    index, has_text = 0, False
    while index < len(lines):
        has_text = has_text and _has_text(kept)  # kept lines may have been popped
        step = _quoted_lines(lines, index, has_text=has_text)
        if step is None:
            kept.append(lines[index])
            has_text = has_text or not _BLANKS_OR_SEPARATOR_RE.match(lines[index])
            index += 1
        elif step < 0:  # earlier mail follows, unquoted: everything below is removed
            head = _wrapped_intro_head(lines, index, kept)
            removed.extend(_pop_separators(kept) + head + lines[index:])
            break
        else:
            removed.extend(_wrapped_intro_head(lines, index, kept) + lines[index:step])
            index = step
    return kept, removed


def _wrapped_intro_head(lines: list[str], index: int, kept: list[str]) -> list[str]:
    """Pop the kept line just above an intro when the intro wrapped ("… Jane <" + "j@x> wrote:")."""
    if is_quote_line(lines[index]) or not kept or index == 0 or kept[-1] is not lines[index - 1]:
        return []
    above, here = kept[-1].rstrip(), lines[index].lstrip()
    if starts_like_intro(here) or is_framed_title(here) or header_kind(here):
        return []
    if above and (above.endswith(("<", "(", ",", '"')) or here.startswith(("<", "("))):
        return [kept.pop()]
    return []


def _quoted_lines(lines: list[str], index: int, has_text: bool) -> int | None:
    """None for own text; else the index after the quoted lines at ``index``; -1 to cut."""
    if is_quote_line(lines[index]) or _wrapped_quote_line(lines, index):
        return index + 1
    intro_end = _intro_end(lines, index)
    if intro_end is not None:
        indented_end = _indented_block_end(lines, intro_end, has_text=has_text)
        if indented_end is not None:
            return indented_end
        if has_text and not _quote_follows(lines, intro_end):
            return -1
        return intro_end
    if _header_block_at(lines, index):
        return -1 if has_text else _header_block_end(lines, index)
    return None


def _wrapped_quote_line(lines: list[str], index: int) -> bool:
    """A lone unquoted line between two quoted ones: a quoted line that wrapped."""
    if index == 0 or index + 1 >= len(lines) or not lines[index].strip():
        return False
    return is_quote_line(lines[index - 1]) and is_quote_line(lines[index + 1])


def is_quote_line(line: str) -> bool:
    """A ``>`` quoted line (or ``|`` quoted, but not a table row ending in ``|``)."""
    return bool(_QUOTE_RE.match(line))


def _has_text(kept: list[str]) -> bool:
    # From the end: the last kept line is usually text, so this stops at once.
    return any(not _BLANKS_OR_SEPARATOR_RE.match(line) for line in reversed(kept))


def _pop_separators(kept: list[str]) -> list[str]:
    """Remove trailing blank/separator lines (``-----``, ``_____``) from ``kept``."""
    popped: list[str] = []
    while kept and _BLANKS_OR_SEPARATOR_RE.match(kept[-1]):
        popped.insert(0, kept.pop())
    return popped


def _intro_end(lines: list[str], index: int) -> int | None:
    """Index after an intro line ("On … wrote:"), possibly wrapped over several lines."""
    line = lines[index]
    if is_quote_intro(line):
        return index + 1
    if _weak_intro(line) and (
        _quote_follows(lines, index + 1) or _indented_follows(lines, index + 1)
    ):
        return index + 1
    if is_framed_title(line) and header_kind(_next_filled(lines, index + 1)):
        return index + 1
    if may_start_intro(line):
        return _wrapped_intro_end(lines, index)
    if names_writer(line):
        end = _wrapped_intro_end(lines, index, needs_intro=False)
        return end if end is not None and _quote_follows(lines, end) else None
    return None


def _indented_block_end(lines: list[str], start: int, has_text: bool = False) -> int | None:
    """Index after a TAB- or space-indented quote under an intro, or None.

    s-nail and BSD mailx indent with a TAB: always a quote. Spaces are also how Markdown
    writers show code under "… wrote:", so a space-indented block counts only when it
    opens the message (bottom posting) and spans two lines or more.
    """
    first = next((i for i in range(start, min(start + 3, len(lines))) if lines[i].strip()), None)
    if first is None:
        return None
    indent = _INDENT_RE.match(lines[first])
    if indent is None:
        return None
    prefix = indent.group(0)
    end = first
    while end < len(lines) and (lines[end].startswith(prefix) or not lines[end].strip()):
        end += 1
    while end > first and not lines[end - 1].strip():  # blank lines below stay the sender's
        end -= 1
    if prefix != "\t" and (has_text or sum(1 for x in lines[first:end] if x.strip()) < 2):
        return None
    return end


def _indented_follows(lines: list[str], start: int) -> bool:
    return _indented_block_end(lines, start) is not None


def _weak_intro(line: str) -> bool:
    """Lines that introduce a quote only when quoted lines follow."""
    return ends_with_wrote(line) or has_date_and_address(line) or ends_with_address_colon(line)


def _wrapped_intro_end(lines: list[str], index: int, needs_intro: bool = True) -> int | None:
    """End of an intro wrapped over a few lines, up to the line ending with ':'."""
    parts = [lines[index].strip()]
    for end in range(index + 1, min(index + _INTRO_SPAN, len(lines))):
        line = lines[end].strip()
        if starts_like_intro(line):
            return None
        parts.append(line.lstrip("> ").strip())
        if len([p for p in parts if p]) > _INTRO_LINES:
            return None
        if line.endswith(":"):
            joined = " ".join(p for p in parts if p)
            return end + 1 if not needs_intro or is_quote_intro(joined) else None
    return None


def _next_filled(lines: list[str], start: int) -> str:
    return next((line for line in lines[start : start + 4] if line.strip()), "")


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 4]:
        if line.strip():
            return is_quote_line(line)
    return False


def _header_block_at(lines: list[str], index: int) -> bool:
    """A quoted mail's header block: From and another header, or three headers in a row."""
    first = header_kind(lines[index])
    if first is None:
        return False
    window = [line for line in lines[index + 1 : index + 1 + _HEADER_WINDOW] if line.strip()]
    kinds = [first, *(kind for kind in map(header_kind, window[:4]) if kind)]
    if first == "from":
        return len(kinds) >= 2
    return len(kinds) >= 3 and "from" in kinds


def _header_block_end(lines: list[str], index: int) -> int:
    """Index after a header block: header lines and their wrapped continuations."""
    end = index + 1
    while end < len(lines):
        if not lines[end].strip():
            following = next((line for line in lines[end:] if line.strip()), "")
            if not header_kind(following):
                return end
        end += 1
    return end


def split_signature(lines: list[str], rules: Rules) -> tuple[list[str], list[str]]:
    tail_start = _tail_start(lines)
    for index, line in enumerate(lines[:_MAX_SIGNATURE_SCAN]):
        if index and _starts_signature(line, rules, in_tail=index >= tail_start):
            return lines[:index], lines[index:]
    return lines, []


def _tail_start(lines: list[str]) -> int:
    """Index where the last few non-blank lines start: where sign-offs may sit."""
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return filled[-_TAIL_LINES] if len(filled) >= _TAIL_LINES else 0


def _starts_signature(line: str, rules: Rules, in_tail: bool) -> bool:
    stripped = _unlink(line.strip())
    if _SIG_DELIMITER_RE.match(stripped):
        return True
    if in_tail and _SIGN_OFF_RE.match(stripped):
        return True
    return bool(stripped) and rules.signature_lines.search(stripped) is not None


def _unlink(text: str) -> str:
    """Markdown links ``[label](url)`` reduced to their label."""
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)


def _tidy(lines: list[str]) -> str:
    """Join lines, dropping leading/trailing blank and separator-only lines."""
    start, end = 0, len(lines)
    while start < end and _BLANKS_OR_SEPARATOR_RE.match(lines[start]):
        start += 1
    while end > start and _BLANKS_OR_SEPARATOR_RE.match(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end])
