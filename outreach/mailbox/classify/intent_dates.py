"""When a "not now" reply says to come back: "im März", "nach Q2", "KW 12", "in three months".

Hand-rolled on purpose. ``dateparser``'s ``search_dates`` was measured on this VM: its
import takes ~100 ms (plus ``regex`` and ``pytz``), and of nine typical phrases it got
three: it read "im März" as 20 March (today's day number), "ab dem 12.01." as the time
12:01, and missed quarters, calendar weeks, "Anfang nächsten Jahres" and "after the
holidays". What a rep's "come back in March" means is a convention (the first of the
month), not parsing, so the conventions live in one table here:

=============================================  ===========================================
phrase                                         date
=============================================  ===========================================
"im März", "in March", "ab März", "Anfang März"  1 March ("Mitte" 15th, "Ende" last day)
"nach März", "after March", "bis Ende März"      1 April (the day after the period)
"Q2", "2. Quartal", "second quarter"            1 April; "nach Q2" 1 July; "Ende Q2" 30 June
"next quarter", "Ende des Quartals"             first day of the next quarter / last of this
"H2", "zweites Halbjahr", "second half"         1 July
"Frühjahr", "Sommer", "Herbst", "Winter"        1 March / 1 June / 1 September / 1 December
"KW 12", "week 12", "Kalenderwoche 12"          Monday of ISO week 12
"in drei Monaten", "give me two weeks"          the reply's date plus that span
"nächste Woche", "next month"                   the next Monday / the 1st of next month
"nächstes Jahr", "Anfang/Mitte/Ende 2027"       1 January / 1 July / 31 December
"ab dem 12.01.", "on January 12th"              12 January ("after the 12th …" the 13th)
"until the 14th", "ab dem 14."                  the next 14th of a month
"nach den Feiertagen", "after the holidays"     7 January ("Sommerferien", summer: 1 Sep.)
"nach Ostern", "after Labor Day"                the day after the holiday (Easter Monday)
=============================================  ===========================================

Without a year, each phrase means its next occurrence after the reply's date. "bis KW 46,
danach" / "until March, then" mean the day after that period. When
a reply names several, those in a sentence that asks to come back ("melden", "wieder",
"reach out", "again"…) count first; among them the most specific (a day or week before a
month, a month before a season), then the latest. A time in a conditional question ("how
long if we start on 1 February?") is no deferral.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from outreach.mailbox.classify.intent_calendar import (
    HOLIDAYS,
    Which,
    add_months,
    months,
    next_point,
    one_day,
)

_MONTHS = {
    "januar": 1, "jänner": 1, "jaenner": 1, "january": 1, "jan": 1,
    "februar": 2, "feber": 2, "february": 2, "feb": 2,
    "märz": 3, "maerz": 3, "march": 3, "mär": 3, "mar": 3,
    "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}  # fmt: skip
_NUMBERS = {
    "ein": 1, "eine": 1, "einem": 1, "einen": 1, "einer": 1, "a": 1, "an": 1, "one": 1,
    "zwei": 2, "two": 2, "a couple of": 2, "couple of": 2, "drei": 3, "three": 3,
    "vier": 4, "four": 4, "fünf": 5, "fuenf": 5, "five": 5, "sechs": 6, "six": 6,
    "sieben": 7, "seven": 7, "acht": 8, "eight": 8, "neun": 9, "nine": 9,
    "zehn": 10, "ten": 10, "elf": 11, "eleven": 11, "zwölf": 12, "zwoelf": 12, "twelve": 12,
}  # fmt: skip
_ORDINALS = {"erste": 1, "first": 1, "zweite": 2, "second": 2, "dritte": 3, "third": 3}
_ORDINALS |= {"vierte": 4, "fourth": 4, "letzte": 4, "last": 4}
_SEASONS = {"frühling": 3, "frühjahr": 3, "spring": 3, "sommer": 6, "summer": 6}
_SEASONS |= {"herbst": 9, "autumn": 9, "fall": 9, "winter": 12}
_UNITS = {"tag": "days", "day": "days", "woche": "weeks", "week": "weeks"}
_UNITS |= {"monat": "months", "month": "months", "jahr": "years", "year": "years"}


def _alternatives(words: Mapping[str, object]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_MONTH = _alternatives(_MONTHS)
_NUMBER = r"\d{1,2}|" + _alternatives(_NUMBERS)
_ORDINAL = _alternatives(_ORDINALS)
_NEXT = r"(?:nächste[nsmr]?|naechste[nsmr]?|kommende[nsmr]?|folgende[nsmr]?|next|coming)"
_B = r"(?<![\w@.])"
_E = r"(?![\w@])"
_OF_YEAR = r"(?:\s?(?:/|of|'|’|,)?\s?(?P<year>20\d\d))?"
_MODIFIER = (
    r"(?:(?P<after>(?:nach|after|once|sobald|beyond|(?:till|til|until)\safter)\s"
    r"(?:(?:dem|der|den|the)\s)?|(?:bis\s(?:zum\s|zur\s)?|until\s(?:the\s)?)(?=ende|end)))?"
    r"(?:(?:(?P<start>anfang|beginn|beginning\sof|start\sof|early)"
    r"|(?P<mid>mitte|middle\sof|mid-?)|(?P<end>ende|end\sof|late|gegen\sende))\s?)?"
    r"(?:(?<!\w)(?:des|der|dem|the|of)\s)?"
)
_CUE = (
    r"(?:im|in|ab|from|bis|until|till|by|zum|um|diese[nms]?|this|the|den|dem|next|coming"
    r"|nächste[nms]?|kommende[nms]?|anfang|mitte|ende|early|mid|late)\s"
)
_SPECIFIC = {"explicit_date": 2, "day_of_month": 2, "first_week": 2, "iso_week": 2}
_SPECIFIC |= {"month": 1, "next_unit": 1, "relative": 1, "named_holiday": 1, "holidays": 1}
"""How specific each row is: "ab November, am besten in der ersten Novemberwoche" means the
week; "im Herbst, konkret ab Oktober" October."""
_IF_RE = re.compile(r"\b(?:if|wenn|falls|sofern)\b")
_BLANKS_RE = re.compile(r"\s+")
_UNTIL_RE = re.compile(r"\b(?:bis|until|till)\s(?:zur\s|zum\s|in\s)?(?!ende|end)")
_THEN_RE = re.compile(r"\b(?:danach|dann|anschließend|then|after\sthat|afterwards)\b")
_RECONTACT_RE = re.compile(
    r"meld|wieder|nochmal|noch\s?(?:ein)?mal|erneut|ansprech|kontaktier|anschreib|schreib|kommen"
    r"|zurück|reach|again|back|touch|contact|follow|ping|try|revisit|circle|reconnect|drop\sme"
    r"|ask|talk|call|email|then|dann",
    re.I,
)


@dataclass(frozen=True, slots=True)
class ResumeDate:
    """A date a reply asks to be contacted again on, and the words that said so."""

    date: dt.date
    phrase: str
    """The matched words, lower-cased (for ``why``)."""
    rule: str
    """Which table row matched: ``month``, ``quarter``, ``iso_week``…"""


def resume_date(text: str, sent: dt.date) -> ResumeDate | None:
    """The date ``text`` asks to come back on, resolved against ``sent``, or None."""
    found = list(_all_dates(_normalized(text), sent))
    asked = [item for item in found if item[0]]
    if not found:
        return None
    best = max(asked or found, key=lambda item: (_SPECIFIC.get(item[1].rule, 0), item[1].date))
    return best[1]


def timing_rules(text: str, sent: dt.date) -> tuple[str, ...]:
    """Names of the table rows that matched (features for the statistical model)."""
    return tuple(sorted({found.rule for _, found, _ in _all_dates(_normalized(text), sent)}))


def _normalized(text: str) -> str:
    """Lower case, each run of blanks one space (a newline if it holds one): the table's
    patterns then need no repeated blanks, which keeps them linear on any input."""
    text = text[:5_000].replace("\u2019", "'").replace("\u00a0", " ").lower()
    return _BLANKS_RE.sub(lambda run: "\n" if "\n" in run.group() else " ", text)


def _all_dates(text: str, sent: dt.date) -> Iterator[tuple[bool, ResumeDate, int]]:
    """(its sentence asks to come back, the date, position) for every table match."""
    taken: list[tuple[int, int]] = []
    for rule, pattern, resolve in _TABLE:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a < end and start < b for a, b in taken):
                continue
            date = resolve(match, sent)
            if date is not None and not _hypothetical(text, start, end):
                taken.append((start, end))
                found = ResumeDate(date, match.group(0).strip(" ,"), rule)
                sentence_end = end - 1 if text[end - 1] == "." else end  # "Mär." ends no sentence
                yield _asks_to_come_back(text, start, sentence_end), found, start


def _asks_to_come_back(text: str, start: int, end: int) -> bool:
    first = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    return bool(_RECONTACT_RE.search(text[first : min(ends, default=len(text))]))


def _hypothetical(text: str, start: int, end: int) -> bool:
    """A time inside a conditional question ("how long if we start on 1 February?")."""
    first = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    last = min(ends, default=len(text))
    return text[last : last + 1] == "?" and bool(_IF_RE.search(text[first:last]))


def _which(match: re.Match[str]) -> Which:
    groups = match.groupdict()
    for which in ("after", "end", "mid", "start"):
        if groups.get(which):
            return which
    return "after" if _until_then(match) else "start"


def _until_then(match: re.Match[str]) -> bool:
    """ "bis KW 46 …, danach", "until March, then": the period is the wait, not the date."""
    before = match.string[max(0, match.start() - 12) : match.start()] + match.group(0)[:8]
    after = match.string[match.end() : match.end() + 80]
    return bool(_UNTIL_RE.search(before) and _THEN_RE.search(after))


def _year(match: re.Match[str]) -> int | None:
    year = match.groupdict().get("year")
    return int(year) if year else None


# ---- resolvers: (match, reply date) → date or None -----------------------------------------


def _explicit_date(match: re.Match[str], sent: dt.date) -> dt.date | None:
    groups = match.groupdict()
    if groups["mn"] or groups["mn2"]:
        day, month = int(groups["d2"] or groups["d3"]), _MONTHS[groups["mn"] or groups["mn2"]]
    else:
        day, month = int(groups["d"]), int(groups["m"])
    year_text = groups["y"] or groups["y2"]
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    year = int(year_text) + (2000 if len(year_text) == 2 else 0) if year_text else None
    try:
        date = next_point(one_day(month, day), "start", year, sent)
    except ValueError:
        return None
    return date + dt.timedelta(days=1) if groups["after"] else date


def _day_of_month(match: re.Match[str], sent: dt.date) -> dt.date | None:
    day = int(match.group("day"))
    if not 1 <= day <= 31:
        return None
    month_start = sent.replace(day=1)
    for offset in range(3):
        first = add_months(month_start, offset)
        try:
            date = first.replace(day=day)
        except ValueError:
            continue
        if date > sent:
            return date + dt.timedelta(days=1) if match.group("after") else date
    return None


def _iso_week(match: re.Match[str], sent: dt.date) -> dt.date | None:
    week = int(match.group("week"))
    years = [_year(match)] if _year(match) else [sent.year, sent.year + 1]
    for year in years:
        try:
            monday = dt.date.fromisocalendar(year or sent.year, week, 1)
        except ValueError:
            continue
        if _year(match) or monday > sent:
            return monday + (dt.timedelta(weeks=1) if _until_then(match) else dt.timedelta())
    return None


def _quarter(match: re.Match[str], sent: dt.date) -> dt.date | None:
    raw = match.group("q") or match.group("q2") or match.group("q3") or match.group("q4")
    number = int(raw) if raw.isdigit() else _ORDINALS[raw]
    return next_point(months(3 * number - 2, 3), _which(match), _year(match), sent)


def _this_quarter(match: re.Match[str], sent: dt.date) -> dt.date | None:
    first = dt.date(sent.year, 3 * ((sent.month - 1) // 3) + 1, 1)
    which = _which(match)
    if match.group("next"):
        first = add_months(first, 3)
    elif which in ("start", "mid"):
        return None  # "this quarter" names no day to come back on
    period = months(first.month, 3)(first.year)
    return period.point(which)


def _half_year(match: re.Match[str], sent: dt.date) -> dt.date | None:
    raw = match.group("h") or match.group("h2") or match.group("h3")
    first = raw in ("1", "erste", "first")
    return next_point(months(1 if first else 7, 6), _which(match), _year(match), sent)


def _season(match: re.Match[str], sent: dt.date) -> dt.date | None:
    return next_point(months(_SEASONS[match.group("season")], 3), _which(match), _year(match), sent)


def _month(match: re.Match[str], sent: dt.date) -> dt.date | None:
    return next_point(months(_MONTHS[match.group("month")], 1), _which(match), _year(match), sent)


def _holidays(match: re.Match[str], sent: dt.date) -> dt.date | None:
    if match.group("summer") or (6 <= sent.month <= 8 and not match.group("winter")):
        return next_point(one_day(9, 1), "start", None, sent)
    return next_point(one_day(1, 7), "start", None, sent)


_HOLIDAY_NAMES = {
    "ostern": "easter", "easter": "easter", "osterferien": "easter", "pfingsten": "whitsun",
    "whitsun": "whitsun", "labor day": "labor_day", "labour day": "labor_day",
    "memorial day": "memorial_day", "thanksgiving": "thanksgiving",
    "the 4th of july": "independence_day", "the fourth of july": "independence_day",
    "july 4th": "independence_day", "independence day": "independence_day",
}  # fmt: skip


def _named_holiday(match: re.Match[str], sent: dt.date) -> dt.date | None:
    return next_point(HOLIDAYS[_HOLIDAY_NAMES[match.group("holiday")]], "after", None, sent)


def _relative(match: re.Match[str], sent: dt.date) -> dt.date | None:
    raw = re.sub(r"\s+", " ", match.group("n"))
    count = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = _UNITS[match.group("unit")]
    if match.group("half"):
        return add_months(sent, 6 * count)
    if unit in ("days", "weeks"):
        return sent + dt.timedelta(days=count * (7 if unit == "weeks" else 1))
    return add_months(sent, count * (12 if unit == "years" else 1))


def _next_unit(match: re.Match[str], sent: dt.date) -> dt.date | None:
    if _UNITS[match.group("unit")] == "weeks":
        return sent + dt.timedelta(days=7 - sent.weekday())
    following = add_months(sent.replace(day=1), 1)
    return months(following.month, 1)(following.year).point(_which(match))


def _year_named(match: re.Match[str], sent: dt.date) -> dt.date | None:
    groups = match.groupdict()
    which = _which(match)
    compound = groups["compound"]
    if compound:
        which = {"anfang": "start", "beginn": "start", "mitte": "mid", "ende": "end"}[compound]
    if groups["newyear"]:
        return next_point(one_day(1, 1), "start", None, sent + dt.timedelta(days=1))
    if groups["next"]:
        return months(1, 12)(sent.year + 1).point(which)
    if groups["year"]:
        if which == "start" and not groups["cue"] and not groups["start"]:
            return None  # a bare "2027" (an order number, a year founded) is no date
        return months(1, 12)(int(groups["year"])).point(which)
    if which == "start" and not compound and not groups["start"]:
        return None  # "das Jahr" alone names no day
    return next_point(months(1, 12), which, None, sent)


# ---- the table ---------------------------------------------------------------------------

_Resolver = Callable[[re.Match[str], dt.date], dt.date | None]
_AFTER = r"(?:(?P<after>after|nach)\s(?:dem\s|the\s)?)?"

_TABLE: tuple[tuple[str, re.Pattern[str], _Resolver], ...] = (
    (
        "explicit_date",
        re.compile(
            rf"{_AFTER}(?:{_B}(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?:(?P<y>(?:20)?\d\d)(?![\d.])|(?!\d))"
            rf"|{_B}(?P<d2>\d{{1,2}})(?:\.|st|nd|rd|th)?\s?(?:of\s)?(?P<mn>{_MONTH})\.?{_E}"
            rf"(?:,?\s?(?P<y2>20\d\d))?"
            rf"|{_B}(?P<mn2>{_MONTH})\.?\s(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?{_E}(?!:))"
        ),
        _explicit_date,
    ),
    (
        "day_of_month",
        re.compile(
            r"\b(?:until|till|by|from|ab|bis|(?P<after>after|nach))\s(?:the|dem|zum|den)\s"
            rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th|\.)(?!\s?(?:\d|{_MONTH}))"
        ),
        _day_of_month,
    ),
    (
        "iso_week",
        re.compile(
            rf"{_B}(?:kw|kalenderwoche|cw|calendar\sweek|week|wk|woche)\s?(?:nr\.?\s?|no\.?\s?|#)?"
            rf"(?P<week>\d{{1,2}}){_E}(?![.:]\d){_OF_YEAR}"
        ),
        _iso_week,
    ),
    (
        "quarter",
        re.compile(
            rf"{_MODIFIER}{_B}(?:q(?P<q>[1-4])|(?P<q2>[1-4])\.\s?quartal|quarter\s(?P<q3>[1-4])"
            rf"|(?P<q4>{_ORDINAL})[nms]?\s(?:quartal|quarter)){_E}{_OF_YEAR}"
        ),
        _quarter,
    ),
    (
        "this_quarter",
        re.compile(
            rf"{_MODIFIER}(?:(?P<next>{_NEXT})|dieses|this|the|current|laufenden|aktuellen)?\s?"
            r"(?:quartals?|quarter)\b"
        ),
        _this_quarter,
    ),
    (
        "half_year",
        re.compile(
            rf"{_MODIFIER}{_B}(?:h(?P<h>[12])|(?P<h2>[12])\.\s?(?:halbjahr|hälfte)"
            r"|(?P<h3>erste|zweite|first|second)[nms]?\s(?:halbjahr|jahreshälfte|hälfte|half)"
            rf"(?:\s(?:des|of\sthe|of)\s(?:jahres|year))?){_E}{_OF_YEAR}"
        ),
        _half_year,
    ),
    (
        "holidays",
        re.compile(
            r"\b(?:nach|after|post|über)\s(?:den\s|der\s|dem\s|the\s|die\s)?"
            r"(?:(?P<summer>sommer(?:ferien|urlaub|pause)|summer\s(?:holidays?|break|vacation))"
            r"|(?P<winter>weihnacht\w*|christmas|xmas|neujahr|jahreswechsel"
            r"|winter\s?(?:ferien|pause|break))"
            r"|(?:feier|fest)tage[n]?|ferien|(?:the\s)?holidays?|break)\b"
        ),
        _holidays,
    ),
    (
        "named_holiday",
        re.compile(rf"\b(?:nach|after)\s(?:den\s)?(?P<holiday>{_alternatives(_HOLIDAY_NAMES)})\b"),
        _named_holiday,
    ),
    (
        "season",
        re.compile(
            rf"{_MODIFIER}(?P<cue>(?<!\w)(?:{_CUE})+)?(?P<season>{_alternatives(_SEASONS)})s?\b{_OF_YEAR}"
        ),
        lambda match, sent: _if_cued(_season, match, sent),
    ),
    (
        "month",
        re.compile(
            rf"{_MODIFIER}(?P<cue>(?<!\w)(?:{_CUE}|(?:vor|before)\s)+)?{_B}(?P<month>{_MONTH})\.?{_E}{_OF_YEAR}"
        ),
        lambda match, sent: _if_cued(_month, match, sent),
    ),
    (
        "relative",
        re.compile(
            r"\b(?:in|within|innerhalb\s(?:von\s)?|nach|after|give\s(?:me|us)|gib\s(?:mir|uns)"
            r"|geben\ssie\s(?:mir|uns)|for\s(?:another|the\snext)|für\s(?:die\snächsten|weitere)"
            r"|(?:den|die)\snächsten)\s"
            r"(?:(?:about|ca\.?|circa|etwa|rund|ungefähr|approx\.?|another|weiteren|weitere)\s)?"
            rf"(?P<n>{_NUMBER})(?:\s?(?:-|–|bis|to|or|oder)\s?(?:{_NUMBER}))?\s"
            r"(?:(?P<half>halben?|half)\s)?"
            r"(?P<unit>tag|day|woche|week|monat|month|jahr|year)(?:e|en|n|es|s)?\b"
            r"|\b(?:in|within|nach|after)\s(?P<n2>half\sa|einem\shalben)\s(?P<unit2>year|jahr)"
        ),
        lambda match, sent: _relative_either(match, sent),
    ),
    (
        "year",
        re.compile(
            rf"{_MODIFIER}(?P<cue>(?:im|in|ab|from|bis|until|by|zum)\s)?"
            rf"(?:(?P<next>{_NEXT})\s(?:jahr(?:es|s)?|year)\b"
            r"|jahres(?P<compound>ende|anfang|beginn|mitte)"
            r"|year[\s-]end(?P<yearend>)"
            r"|(?:(?:dem|des|the)\s)?(?:jahr(?:es)?|year)\b(?=\s?(?:[.,!?]|$))"
            rf"|(?:(?:dem\s)?jahr(?:e|es)?\s|the\syear\s)?{_B}(?P<year>20\d\d){_E}"
            r"|(?P<newyear>(?:im\s|in\sthe\s)neue[nm]?\sjahr|new\syear\b|heuer\snicht\smehr"
            r"|(?:dieses|this)\sjahr\snicht\smehr|not\sthis\syear))"
        ),
        lambda match, sent: _year_either(match, sent),
    ),
    (
        "first_week",
        re.compile(
            rf"\b(?:(?:der\s|die\s)?erste[nm]?\s(?P<month>{_MONTH})woche"
            rf"|(?:the\s)?first\sweek\sof\s(?P<month2>{_MONTH}))\b"
        ),
        lambda match, sent: _first_week_either(match, sent),
    ),
    (
        "next_unit",
        re.compile(rf"{_MODIFIER}\b{_NEXT}\s(?P<unit>woche|week|monat|month)(?:e|en|n|s)?\b"),
        _next_unit,
    ),
)


_PATTERNS = {rule: pattern for rule, pattern, _ in _TABLE}
"""The table's patterns by rule (tests/test_classify_regex_bounds.py runs every one)."""


def _if_cued(resolve: _Resolver, match: re.Match[str], sent: dt.date) -> dt.date | None:
    """A month or season name counts after a preposition or modifier, or before a year
    ("you may", "spring offsite" name no time)."""
    groups = match.groupdict()
    if any(groups.get(key) for key in ("after", "start", "mid", "end", "cue", "year")):
        return resolve(match, sent)
    return None


def _first_week_either(match: re.Match[str], sent: dt.date) -> dt.date | None:
    month = match.group("month") or match.group("month2")
    first_of = next_point(months(_MONTHS[month], 1), "start", None, sent.replace(day=1))
    return first_of + dt.timedelta(days=(7 - first_of.weekday()) % 7)


def _relative_either(match: re.Match[str], sent: dt.date) -> dt.date | None:
    if match.group("n2"):
        return add_months(sent, 6)
    return _relative(match, sent)


def _year_either(match: re.Match[str], sent: dt.date) -> dt.date | None:
    if match.group("yearend") is not None:
        return next_point(months(1, 12), "end", None, sent)
    return _year_named(match, sent)
