"""What a reader sees of a template, for the content rules: spintax delimiters blanked
(every option's words kept), Jinja tags blanked, HTML tags blanked — always keeping the
offsets, so a finding's offset maps back to the line the author wrote."""

from __future__ import annotations

import re

from outreach.sequences.spintax import SpintaxError, jinja_region_end, mask_spintax

_JINJA_OPENERS = ("{{", "{%", "{#")
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
PLACEHOLDER = "x" * 8
"""Stand-in for a merge field when estimating a rendered length."""


def _blank(text: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in text)


def jinja_spans(source: str) -> list[tuple[int, int]]:
    """(start, end) of every ``{{ }}``, ``{% %}``, ``{# #}`` region."""
    spans, i = [], 0
    while i < len(source) - 1:
        if source[i:i + 2] in _JINJA_OPENERS:
            end = jinja_region_end(source, i)
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def visible_text(source: str, *, html: bool = False) -> str:
    """Same length as ``source``; Jinja (and HTML tags) blanked."""
    try:
        text = mask_spintax(source)
    except SpintaxError:
        text = source  # the loader reports broken spintax; lint what is there
    for start, end in jinja_spans(text):
        text = text[:start] + _blank(text[start:end]) + text[end:]
    if html:
        text = _TAG.sub(lambda m: _blank(m.group(0)), text)
    return text


def estimated_length(source: str) -> int:
    """Rendered length estimate: each Jinja tag counts as :data:`PLACEHOLDER`; the longest
    spintax option of each group counts (what the longest version would be)."""
    from outreach.sequences.spintax import covering_expansions

    try:
        versions = covering_expansions(source)
    except SpintaxError:
        versions = [source]
    return max(_with_placeholders(v) for v in versions)


def _with_placeholders(text: str) -> int:
    spans = jinja_spans(text)
    return len(text) - sum(end - start for start, end in spans) + len(PLACEHOLDER) * len(spans)
