"""Encode the hand-written German replies in src/de/*.txt into de.jsonl.

The replies (new text, signature, label, date, sender) are written by hand in the
block format described in README.md. This script only does the mechanical part a
mail client would do: it formats the reply's Date header, quotes our cold email
(src/de/cold.txt) in the chosen client style, and encodes everything as JSON.

    python3 corpora/intent/build_de.py      # rewrites corpora/intent/de.jsonl
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SRC = HERE / "src" / "de"
OUT = HERE / "de.jsonl"
BERLIN = ZoneInfo("Europe/Berlin")

WEEKDAYS_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
WD_SHORT_DE = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


@dataclass(frozen=True)
class Cold:
    key: str
    sender: str
    subject: str
    form: str  # "sie" or "du"
    body: str


def fail(where: str, msg: str) -> None:
    sys.exit(f"{where}: {msg}")


def load_cold() -> dict[str, Cold]:
    mails: dict[str, Cold] = {}
    for block in (SRC / "cold.txt").read_text(encoding="utf-8").split("=== ")[1:]:
        head, _, body = block.partition("\n")
        key, sender, subject, form = (p.strip() for p in head.split(" | "))
        mails[key] = Cold(key, sender, subject, form, body.strip("\n"))
    return mails


def greeting(cold: Cold, frm: str) -> str:
    name = parseaddr(frm)[0]
    name = re.sub(r"^(Dr\.|Prof\.)\s+", "", name).strip()
    if not name or " " not in name:
        return "Guten Tag," if cold.form == "sie" else "Hallo,"
    if cold.form == "du":
        return f"Hallo {name.split()[0]},"
    return f"Guten Tag {name},"


def cold_sent(reply: datetime, item_id: str) -> datetime:
    days = 1 + zlib.crc32(item_id.encode()) % 6
    minute = zlib.crc32(item_id.encode()[::-1]) % 180
    sent = (reply.astimezone(BERLIN) - timedelta(days=days)).replace(
        hour=8, minute=0, second=0, microsecond=0) + timedelta(minutes=minute)
    while sent.weekday() >= 5:
        sent -= timedelta(days=1)
    return sent


def prefixed(body: str, prefix: str) -> str:
    return "\n".join(prefix + ln if ln else prefix.rstrip() for ln in body.split("\n"))


def quote_block(style: str, cold: Cold, body: str, to: str, s: datetime) -> str:
    name, addr = parseaddr(cold.sender)
    hm = s.strftime("%H:%M")
    if style == "outlook":
        return ("-----Ursprüngliche Nachricht-----\n"
                f"Von: {name} <{addr}>\n"
                f"Gesendet: {WEEKDAYS_DE[s.weekday()]}, {s.day}. {MONTHS_DE[s.month - 1]} "
                f"{s.year} {hm}\n"
                f"An: {to}\nBetreff: {cold.subject}\n\n{body}")
    if style == "olnew":
        return ("________________________________\n"
                f"Von: {name} <{addr}>\n"
                f"Gesendet: {WEEKDAYS_DE[s.weekday()]}, {s.day}. {MONTHS_DE[s.month - 1]} "
                f"{s.year} {hm}\n"
                f"An: {to}\nBetreff: {cold.subject}\n\n{body}")
    if style == "gmx":
        return (f"Gesendet: {WEEKDAYS_DE[s.weekday()]}, {s:%d}. {MONTHS_DE[s.month - 1]} "
                f"{s.year} um {hm} Uhr\n"
                f'Von: "{name}" <{addr}>\nAn: {to}\nBetreff: {cold.subject}\n\n{body}')
    if style == "gmail":
        return (f"Am {WD_SHORT_DE[s.weekday()]}, {s.day}. {MONTHS_DE[s.month - 1]} {s.year} "
                f"um {hm} Uhr schrieb {name} <\n{addr}>:\n\n{prefixed(body, '> ')}")
    if style == "apple":
        return (f"Am {s:%d.%m.%Y} um {hm} schrieb {name} <{addr}>:\n\n"
                f"{prefixed(body, '> ')}")
    if style == "ios":
        return (f"> Am {s:%d.%m.%Y} um {hm} schrieb {name} <{addr}>:\n> \n"
                f"{prefixed(body, '> ')}")
    if style == "tb":
        return f"Am {s:%d.%m.%y} um {hm} schrieb {name}:\n{prefixed(body, '> ')}"
    if style == "snail":
        return f"{name} <{addr}> wrote:\n\n{prefixed(body, chr(9))}"
    if style == "olen":
        h12 = s.strftime("%I:%M %p").lstrip("0")
        return ("From: " + f"{name} <{addr}>\n"
                f"Sent: {WEEKDAYS_EN[s.weekday()]}, {MONTHS_EN[s.month - 1]} {s.day}, "
                f"{s.year} {h12}\nTo: {to}\nSubject: {cold.subject}\n\n{body}")
    if style == "gmailen":
        h12 = s.strftime("%I:%M %p").lstrip("0")
        return (f"On {WEEKDAYS_EN[s.weekday()][:3]}, {MONTHS_EN[s.month - 1][:3]} {s.day}, "
                f"{s.year} at {h12} {name} <{addr}> wrote:\n\n{prefixed(body, '> ')}")
    raise ValueError(f"unknown quote style {style!r}")


def parse_date(raw: str) -> datetime:
    return datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M %z")


def subject_of(spec: str, cold: Cold) -> str:
    if spec.startswith("+"):
        return f"{spec[1:].strip()} {cold.subject}"
    return spec


def build_item(item_id: str, split: str, head: str, lines: list[str],
               mails: dict[str, Cold], where: str) -> dict[str, object]:
    parts = [p.strip() for p in head.split(" | ")]
    if len(parts) != 7:
        fail(where, f"header needs 7 fields, got {len(parts)}: {head}")
    intent, until, date_raw, frm, subj, qspec, refs = parts
    style, _, key = qspec.partition(":")
    if key not in mails:
        fail(where, f"unknown cold mail {key!r}")
    cold = mails[key]
    sections: dict[str, list[str]] = {"new": [], "sig": [], "note": []}
    cur = "new"
    for ln in lines:
        if ln.strip() in ("~~sig", "~~note"):
            cur = ln.strip()[2:]
            continue
        sections[cur].append(ln)
    new = "\n".join(sections["new"]).strip("\n")
    sig = "\n".join(sections["sig"]).strip("\n")
    note = " ".join(sections["note"]).strip() or None
    reply_dt = parse_date(date_raw).replace(second=zlib.crc32(item_id.encode()) % 60)
    to_name, to_addr = parseaddr(frm)
    to = f"{to_name} <{to_addr}>" if to_name else to_addr
    body = cold.body.replace("{hallo}", greeting(cold, frm))
    sent = cold_sent(reply_dt, item_id)
    quoted: str | None = None
    if style == "none":
        text = new + ("\n\n" + sig if sig else "")
    elif style == "inline":
        attribution = (f"Am {sent:%d.%m.%Y} um {sent:%H:%M} schrieb {parseaddr(cold.sender)[0]} "
                       f"<{parseaddr(cold.sender)[1]}>:")
        text = attribution + "\n\n" + new + ("\n\n" + sig if sig else "")
        quoted = "\n".join(ln[1:].lstrip(" ") for ln in new.split("\n") if ln.startswith(">"))
        own = [ln for ln in new.split("\n") if not ln.startswith(">")]
        new = re.sub(r"\n{3,}", "\n\n", "\n".join(own)).strip("\n")
    else:
        quoted = body
        block = quote_block(style, cold, body, to, sent)
        top = new + ("\n\n" + sig if sig else "")
        text = (top + "\n\n" if top else "") + block
    lang = "de"
    if note and note.startswith("[en]"):
        lang, note = "en", note[4:].strip() or None
    return {
        "id": item_id, "lang": lang,
        "date": format_datetime(reply_dt),
        "subject": subject_of(subj, cold), "from": frm,
        "text": text + "\n", "quoted_original": quoted, "new_text": new,
        "intent": intent, "intent_until": None if until == "-" else until,
        "referral": [] if refs == "-" else [r.strip() for r in refs.split(",")],
        "split": split, "note": note,
    }


def main() -> None:
    mails = load_cold()
    items: list[dict[str, object]] = []
    for path in sorted(SRC.glob("[0-9]*_*.txt")):
        split = "test" if "_test" in path.name else "train"
        chunks = re.split(r"^=== ", path.read_text(encoding="utf-8"), flags=re.M)[1:]
        for chunk in chunks:
            head, *lines = chunk.rstrip("\n").split("\n")
            item_id = f"de-{len(items) + 1:04d}"
            items.append(build_item(item_id, split, head, lines, mails,
                                    f"{path.name} ({item_id})"))
    with OUT.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} items to {OUT.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
