"""The return date an out-of-office notice states ("bis 3. Januar", "back on Jan 3rd").

Dates are found in German, English, French, Spanish, Italian and Dutch notation; the
one announced by a return keyword ("until", "bis", "de retour le"…) wins, else the last
upcoming date mentioned. A date without a year is the next one on or after the
message's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH_NAMES = {
    1: "january jan januar jänner jaenner janvier janv enero ene gennaio gen januari",
    2: "february feb februar février fevrier févr fevr febrero febbraio februari",
    3: "march mar märz maerz mär mars marzo maart mrt",
    4: "april apr avril avr abril abr aprile",
    5: "may mai mayo maggio mag mei",
    6: "june jun juni juin junio giugno giu",
    7: "july jul juli juillet juil julio luglio lug",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre setiembre settembre set",
    10: "october oct oktober okt octobre octubre ottobre ott",
    11: "november nov novembre noviembre",
    12: "december dec dezember dez décembre decembre déc diciembre dic dicembre",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(sorted((re.escape(name) for name in MONTHS), key=len, reverse=True))
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE_RE = re.compile(
    rf"(?P<iso>(?P<iy>(?:19|20)\d\d)-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}}))\b"
    rf"|(?<![\d.])(?P<nd>\d{{1,2}})\.(?P<nm>\d{{1,2}})\.(?P<ny>(?:19|20)?\d\d)?(?![\d])"
    rf"|(?<![\d/])(?P<s1>\d{{1,2}})/(?P<s2>\d{{1,2}})(?:/(?P<sy>(?:19|20)?\d\d))?(?![\d/])"
    rf"|(?<![\d])(?P<dd>\d{{1,2}})(?:\.|st|nd|rd|th|er|º|°)?\s*(?:de\s+|of\s+)?"
    rf"(?P<dm>{_MONTH})\b\.?(?:,?\s*(?:de\s+)?(?P<dy>(?:19|20)\d\d))?"
    rf"|\b(?P<md>{_MONTH})\b\.?\s+(?P<mdd>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<mdy>(?:19|20)\d\d))?",
    re.I,
)
_UNTIL_WORDS = (
    r"until|till|til|through|thru|back(?:\s+in\s+the\s+office)?(?:\s+on)?|return(?:ing)?(?:\s+on)?"
    r"|bis(?:\s+(?:zum|einschließlich|einschl\.|inkl\.|inklusive|am))?"
    r"|zurück(?:\s+am)?|wieder(?:\s+am)?"
    r"|jusqu'(?:au|à|a)|de\s+retour(?:\s+le)?|retour(?:\s+le)?"
    r"|hasta(?:\s+el)?|de\s+vuelta(?:\s+el)?|regreso(?:\s+el)?|volveré(?:\s+el)?"
    r"|fino\s+(?:al|a|il)|rientro(?:\s+il)?|rientrerò(?:\s+il)?|di\s+ritorno(?:\s+il)?"
    r"|tot\s+en\s+met|t/m|tot|terug(?:\s+op)?|weer(?:\s+op)?"
)
_FROM_ON_WORDS = (
    r"as\s+of|starting|ab(?:\s+dem|\s+am)?|à\s+partir\s+du|dès\s+le|a\s+partir\s+del"
    r"|a\s+partire\s+dal|vanaf|wieder\s+ab"
)
_KEYWORD_TAIL = r")[\s,:]*(?:[^\d\n]{0,30})$"
_UNTIL_RE = re.compile(rf"(?:^|[^\w])(?:{_UNTIL_WORDS}{_KEYWORD_TAIL}", re.I)
_FROM_ON_RE = re.compile(rf"(?:^|[^\w])(?:{_FROM_ON_WORDS}{_KEYWORD_TAIL}", re.I)
_BACK_AFTER_RE = re.compile(
    r"^[^\d\n]{0,25}?\b(?:wieder|zurück|back|again|de\s+retour|terug|di\s+ritorno|de\s+vuelta)\b",
    re.I,
)
_RANGE_RE = re.compile(r"^\s*(?:-|–|—|to|bis|au|al|tot|hasta|a|till|until|through)\s*$", re.I)
_ENGLISH_RE = re.compile(r"\b(?:until|till|through|back|return|returning|from|as of)\b", re.I)
_FAR_FUTURE = dt.timedelta(days=400)


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    match: re.Match[str]


def return_date(text: str, reference: dt.date) -> dt.date | None:
    """The stated return date in ``text`` (an auto-reply), relative to ``reference``."""
    found = [_Found(m.start(), m.end(), m) for m in _DATE_RE.finditer(text[:20_000])]
    for keyword in (_UNTIL_RE, _FROM_ON_RE):
        keyed = [d for d in _dates_after(keyword, text, found, reference) if d]
        if keyed:
            return keyed[0]
    upcoming = [d for d in (_to_date(f.match, reference, False) for f in found) if d]
    upcoming = [d for d in upcoming if reference <= d <= reference + _FAR_FUTURE]
    return max(upcoming) if upcoming else None


def _dates_after(
    keyword: re.Pattern[str], text: str, found: list[_Found], reference: dt.date
) -> list[dt.date | None]:
    """Dates announced by ``keyword`` (or ending a range "20.12. – 3.1.")."""
    dates: list[dt.date | None] = []
    previous_end = 0
    for item in found:
        before = text[max(previous_end, item.start - 60) : item.start]
        ends_range = previous_end and _RANGE_RE.match(text[previous_end : item.start])
        back_after = keyword is _UNTIL_RE and _BACK_AFTER_RE.search(text[item.end : item.end + 40])
        if ends_range or back_after or keyword.search(before):
            dates.append(_to_date(item.match, reference, bool(_ENGLISH_RE.search(before))))
        previous_end = item.end
    return dates


def _to_date(match: re.Match[str], reference: dt.date, english: bool) -> dt.date | None:
    parts = _day_month_year(match, english)
    if parts is None:
        return None
    day, month, year = parts
    return _resolve(day, month, year, reference)


def _day_month_year(match: re.Match[str], english: bool) -> tuple[int, int, str | None] | None:
    g = match.groupdict()
    if g["iso"]:
        return int(g["id"]), int(g["im"]), g["iy"]
    if g["nd"]:
        return int(g["nd"]), int(g["nm"]), g["ny"]
    if g["s1"]:
        return _slash_order(int(g["s1"]), int(g["s2"]), english) + (g["sy"],)
    if g["dd"]:
        return int(g["dd"]), MONTHS[g["dm"].lower()], g["dy"]
    if g["md"]:
        return int(g["mdd"]), MONTHS[g["md"].lower()], g["mdy"]
    return None


def _slash_order(first: int, second: int, english: bool) -> tuple[int, int]:
    """(day, month) of ``first/second``: month first in English unless impossible."""
    if first > 12:
        return first, second
    if second > 12 or english:
        return second, first
    return first, second


def _resolve(day: int, month: int, year: str | None, reference: dt.date) -> dt.date | None:
    if year:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return _safe_date(full, month, day)
    candidate = _safe_date(reference.year, month, day)
    if candidate is not None and candidate < reference:
        candidate = _safe_date(reference.year + 1, month, day)
    return candidate


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
