"""Validate the reply-intent corpus (de.jsonl, en.jsonl) and print counts per intent and split.

    python3 corpora/intent/check.py [FILE ...]

Exits 1 and names file, line and field for every problem found.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
INTENTS = ("interested", "question", "not_now", "referral", "wrong_person",
           "not_interested", "unsubscribe", "other")
SPLITS = ("train", "test")
FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,), "lang": (str,), "date": (str,), "subject": (str,), "from": (str,),
    "text": (str,), "quoted_original": (str, type(None)), "new_text": (str,),
    "intent": (str,), "intent_until": (str, type(None)), "referral": (list,),
    "split": (str,), "note": (str, type(None)),
}
ADDRESS = re.compile(r"[\w.+-]+@([\w-]+\.)+[a-z]{2,}", re.I)
FAKE_DOMAIN = re.compile(r"(example\.(com|de|org|net)|beispiel\.[a-z]+)$", re.I)
QUOTE_PREFIX = re.compile(r"^[ \t]*(>[ >]*)?")
WEEKDAY = re.compile(r"^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun),")


def squash(s: str) -> str:
    return " ".join(s.split())


def unquoted(text: str) -> str:
    return squash("\n".join(QUOTE_PREFIX.sub("", ln) for ln in text.split("\n")))


def new_text_found(new: str, text: str) -> bool:
    if squash(new) in squash(text):
        return True
    # inline answers: every paragraph of the prospect's own words appears in order
    pos, flat = 0, squash(text)
    for para in (p for p in re.split(r"\n\s*\n", new) if p.strip()):
        pos = flat.find(squash(para), pos)
        if pos < 0:
            return False
    return True


def check_item(it: dict[str, object], where: str) -> list[str]:
    errs: list[str] = []
    for name, types in FIELDS.items():
        if name not in it:
            errs.append(f"{where}: field {name!r} missing")
        elif not isinstance(it[name], types):
            errs.append(f"{where}: field {name!r} has type {type(it[name]).__name__}")
    if errs:
        return errs
    extra = set(it) - set(FIELDS)
    if extra:
        errs.append(f"{where}: unknown fields {sorted(extra)}")
    text, new = str(it["text"]), str(it["new_text"])
    intent, until = it["intent"], it["intent_until"]
    if not re.fullmatch(r"[a-z]{2}-\d{4,}", str(it["id"])):
        errs.append(f"{where}: field 'id' {it['id']!r} is not like 'de-0001'")
    if it["lang"] not in ("de", "en"):
        errs.append(f"{where}: field 'lang' must be 'de' or 'en'")
    if intent not in INTENTS:
        errs.append(f"{where}: field 'intent' {intent!r} not one of {', '.join(INTENTS)}")
    if it["split"] not in SPLITS:
        errs.append(f"{where}: field 'split' must be 'train' or 'test'")
    try:
        sent = parsedate_to_datetime(str(it["date"]))
    except (TypeError, ValueError):
        errs.append(f"{where}: field 'date' {it['date']!r} is not an RFC 2822 date")
        sent = None
    if sent is not None:
        wd = WEEKDAY.match(str(it["date"]))
        if sent.tzinfo is None:
            errs.append(f"{where}: field 'date' has no timezone")
        if wd and wd.group(1) != sent.strftime("%a"):
            errs.append(f"{where}: field 'date' weekday {wd.group(1)} is wrong")
    if until is not None:
        if intent != "not_now":
            errs.append(f"{where}: field 'intent_until' set but intent is {intent}")
        try:
            day = date.fromisoformat(str(until))
            if sent is not None and day <= sent.date():
                errs.append(f"{where}: field 'intent_until' {until} not after the reply date")
        except ValueError:
            errs.append(f"{where}: field 'intent_until' {until!r} is not an ISO date")
    refs = it["referral"]
    assert isinstance(refs, list)
    if refs and intent != "referral":
        errs.append(f"{where}: field 'referral' filled but intent is {intent}")
    for ref in refs:
        if not isinstance(ref, str) or not ADDRESS.fullmatch(ref):
            errs.append(f"{where}: field 'referral' entry {ref!r} is not an address")
        elif ref.lower() not in new.lower():
            errs.append(f"{where}: field 'referral' {ref} not in new_text")
        elif ref.lower() in str(it["from"]).lower():
            errs.append(f"{where}: field 'referral' {ref} is the sender's own address")
    if not new_text_found(new, text):
        errs.append(f"{where}: field 'new_text' does not occur in 'text'")
    if re.search(r"\{\w+\}", text):
        errs.append(f"{where}: field 'text' has an unfilled {{placeholder}}")
    quoted = it["quoted_original"]
    if isinstance(quoted, str):
        flat = unquoted(text)
        for ln in (q for q in quoted.split("\n") if q.strip()):
            if squash(ln) not in flat:
                errs.append(f"{where}: field 'quoted_original' line {ln[:40]!r} not in 'text'")
                break
    for m in ADDRESS.finditer(text + " " + str(it["from"])):
        if not FAKE_DOMAIN.search(m.group(0)):
            errs.append(f"{where}: address {m.group(0)} is not on a fake domain")
    return errs


def check_file(path: Path, seen: set[str]) -> tuple[list[str], list[dict[str, object]]]:
    errs: list[str] = []
    items: list[dict[str, object]] = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{no}"
        try:
            it = json.loads(line)
        except json.JSONDecodeError as exc:
            errs.append(f"{where}: not JSON ({exc})")
            continue
        if not isinstance(it, dict):
            errs.append(f"{where}: not a JSON object")
            continue
        where = f"{where} ({it.get('id')})"
        if it.get("id") in seen:
            errs.append(f"{where}: duplicate id")
        seen.add(str(it.get("id")))
        errs += check_item(it, where)
        items.append(it)
    return errs, items


def table(name: str, items: list[dict[str, object]]) -> str:
    count = Counter((str(it["intent"]), str(it["split"])) for it in items)
    rows = [f"{name:<16}{'train':>7}{'test':>7}{'all':>7}"]
    for intent in INTENTS:
        tr, te = count[(intent, "train")], count[(intent, "test")]
        rows.append(f"{intent:<16}{tr:>7}{te:>7}{tr + te:>7}")
    tr = sum(v for (_, s), v in count.items() if s == "train")
    te = sum(v for (_, s), v in count.items() if s == "test")
    rows.append(f"{'total':<16}{tr:>7}{te:>7}{tr + te:>7}")
    quoted = sum(1 for it in items if it.get("quoted_original"))
    dated = sum(1 for it in items if it.get("intent_until"))
    rows.append(f"quoted original: {quoted}/{len(items)}; not_now with date: {dated}")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [p for p in (HERE / "de.jsonl", HERE / "en.jsonl")
                                         if p.exists()]
    seen: set[str] = set()
    errors: list[str] = []
    for path in paths:
        errs, items = check_file(path, seen)
        errors += errs
        langs = Counter(str(it.get("lang")) for it in items)
        print(table(f"{path.name}", items))
        print("lang: " + ", ".join(f"{k}={v}" for k, v in sorted(langs.items())) + "\n")
    for err in errors:
        print(err, file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
