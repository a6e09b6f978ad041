"""Addresses a reply points to ("please write to anna.schmidt@firma.de").

Every address in the new text counts except the sender's own, ours, and those in the
sender's signature: the lines under a closing ("Viele Grüße", "Best regards") or, with no
closing, a last block that carries the sender's own address or a phone number. Written
out forms ("anna [at] firma.de") are read too. Each address is checked with
``email-validator`` (syntax only, no DNS) and lower-cased.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from outreach.addresses import normalize_address
from outreach.errors import ConfigError

_ADDRESS_RE = re.compile(
    r"(?<![\w.+-])([\w.+-]{1,64})\s*(?:@|\s?[\[(]\s*(?:at|ät)\s*[\])]\s?)\s*"
    r"((?:[\w-]{1,63}(?:\s?[\[(]\s*(?:dot|punkt)\s*[\])]\s?|\.))+[a-z]{2,24})(?![\w-])",
    re.I,
)
_DOT_RE = re.compile(r"\s?[\[(]\s*(?:dot|punkt)\s*[\])]\s?", re.I)
_CLOSING_RE = re.compile(
    r"(?:(?:mit|with) )?(?:(?:freundliche|beste|liebe|herzliche|viele|sonnige|schöne|sportliche"
    r"|kind|best|warm|warmest|many)[nm]? )?(?:gr(?:ü|ue|u)(?:ß|ss)(?:e|en|le)?|regards|wishes)"
    r"(?: \w+)?|lg|vg|mfg|bg|glg|best|cheers|thanks?(?: again)?|thank you|many thanks|vielen dank"
    r"|danke(?: schön| und gruß| und grüße)?|sincerely|(?:yours )?(?:truly|sincerely)|all the best"
    r"|tschüss|ciao|servus|merci|en gruess|take care",
    re.I,
)
"""A closing line (whitespace collapsed, trailing punctuation dropped)."""
_PHONE_RE = re.compile(
    r"(?:\+|\b00)\d[\d\s/().-]{6,}|\b(?:tel|fon|phone|mobil|mobile|fax|m|t)\b\.?:", re.I
)
_SIGNATURE_SCAN = 12
"""How many of the last lines may be a closing."""


def referral_addresses(
    text: str, *, sender: str | None = None, own_addresses: Iterable[str] = ()
) -> tuple[str, ...]:
    """Addresses in ``text`` other than the sender's, ours and the sender's signature's."""
    excluded = {address.strip().lower() for address in own_addresses}
    if sender:
        excluded.add(sender.strip().lower())
    found: list[str] = []
    for address in _addresses(_without_signature(text, excluded)):
        if address not in excluded and address not in found:
            found.append(address)
    return tuple(found)


def _addresses(text: str) -> Iterable[str]:
    for match in _ADDRESS_RE.finditer(text[:20_000]):
        domain = _DOT_RE.sub(".", match.group(2))
        candidate = f"{match.group(1).strip('.')}@{domain}"
        try:
            yield normalize_address(candidate)
        except ConfigError:
            continue


def _without_signature(text: str, excluded: set[str]) -> str:
    """``text`` without the sender's signature block (see the module docstring)."""
    lines = text.replace("\r\n", "\n").rstrip().split("\n")
    first_scanned = max(0, len(lines) - _SIGNATURE_SCAN)
    for index in range(len(lines) - 1, max(first_scanned, 1) - 1, -1):
        if _is_closing(lines[index]):
            return "\n".join(lines[:index])
    block_start = _last_block_start(lines)
    block = "\n".join(lines[block_start:])
    own = any(address in excluded for address in _addresses(block))
    if block_start > 0 and (own or _PHONE_RE.search(block)):
        return "\n".join(lines[:block_start])
    return "\n".join(lines)


def _last_block_start(lines: list[str]) -> int:
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].strip():
            return index + 1
    return 0


def _is_closing(line: str) -> bool:
    words = " ".join(line.split()).rstrip(",.!")
    return len(words) < 40 and bool(_CLOSING_RE.fullmatch(words))
