"""Build corpora/intent/en.jsonl from the hand-written sources in corpora/intent/src-en/.

Every reply's words, sender, date, label and note are written by hand in the ``*.txt``
sources; this script only does what a mail client does mechanically: it renders the
quoted cold email (``originals.txt``) in the style of the named client (Gmail, Outlook,
Apple Mail, Thunderbird, Yahoo, mailx, forward) and formats the Date header.

    python3 corpora/intent/build_en.py          # writes corpora/intent/en.jsonl

Source format (one block per reply, blocks start with ``===``)::

    === <intent> <train|test> <YYYY-MM-DDTHH:MM[:SS]+HH:MM> <original-id|-> <style>
    from: Name <address>
    subj: RE: ...                 (optional; default "Re: " + the original's subject)
    until: 2025-07-01             (not_now only; omitted = null)
    ref: a@x.example.com, ...     (referral addresses; omitted = [])
    note: why, for hard cases     (optional; may also be the block's last line)
    ---
    the prospect's own words (new_text)
    -- sig
    signature, footer, "Sent from my iPhone" (optional)

Style ``inline``: the body holds the whole text; lines starting with ``>`` are quoted from
the original, a line starting with ``!`` is the client's attribution line (kept, not new
text), everything else is the prospect's words (new_text = those paragraphs joined).
A style ending in ``-bottom`` (``gmail-bottom``) puts the quote above the reply.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src-en"
OUT = HERE / "en.jsonl"

INTENTS = {
    "interested", "question", "not_now", "referral", "wrong_person",
    "not_interested", "unsubscribe", "other",
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
# Hours between our email and the reply, cycled per item for variety.
GAPS = [0.4, 2.5, 5, 19, 26, 49, 71, 3.2, 8, 121, 1.1, 30]


@dataclass
class Original:
    sender: str
    subject: str
    body: str


@dataclass
class Item:
    intent: str
    split: str
    date: dt.datetime
    original: str | None
    style: str
    where: str
    headers: dict[str, str] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    sig: list[str] | None = None


def fail(where: str, message: str) -> None:
    sys.exit(f"{where}: {message}")


def load_originals(path: Path) -> dict[str, Original]:
    """originals.txt: blocks ``=== E01 | Sender <addr> | Subject`` then the body."""
    originals: dict[str, Original] = {}
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            key, sender, subject = (part.strip() for part in line[4:].split("|"))
            originals[key] = Original(sender, subject, "")
        elif key:
            originals[key].body += line + "\n"
    for orig in originals.values():
        orig.body = orig.body.strip("\n")
    return originals


def parse_items(path: Path) -> list[Item]:
    items: list[Item] = []
    section = "head"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{number}"
        if line.startswith("=== "):
            parts = line[4:].split()
            if len(parts) != 5:
                fail(where, "header needs: intent split date original style")
            intent, split, date, original, style = parts
            if intent not in INTENTS or split not in {"train", "test"}:
                fail(where, f"bad intent/split {intent}/{split}")
            items.append(Item(intent, split, dt.datetime.fromisoformat(date),
                              None if original == "-" else original, style, where))
            section = "head"
        elif not items:
            continue
        elif section == "head" and line == "---":
            section = "new"
        elif section == "head" and line.strip():
            key, _, value = line.partition(":")
            items[-1].headers[key.strip()] = value.strip()
        elif section in {"new", "sig"} and line.startswith("note: "):
            items[-1].headers["note"] = line[6:].strip()
        elif section in {"new", "sig"} and line.startswith(("until:", "ref:", "subj:")):
            fail(where, "header line below the body: move it above ---")
        elif section in {"new", "sig"} and line == "-- sig":
            section = "sig"
            items[-1].sig = []
        elif section == "new":
            items[-1].new.append(line)
        elif section == "sig":
            assert items[-1].sig is not None
            items[-1].sig.append(line)
    return items


def trim(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def hour12(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def address_of(sender: str) -> str:
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender


def name_of(sender: str) -> str:
    return sender.split("<")[0].strip().strip('"')


def prefixed(body: str, prefix: str, blank: str) -> str:
    return "\n".join(prefix + line if line else blank for line in body.split("\n"))


def render_quote(style: str, orig: Original, sent: dt.datetime, to: str) -> str:
    day, month = DAYS[sent.weekday()], MONTHS[sent.month - 1]
    mon = month[:3]
    frm, body = orig.sender, orig.body
    who = f"{name_of(frm)} <{address_of(frm)}>"
    if style == "gmail":
        head = f"On {day[:3]}, {mon} {sent.day}, {sent.year} at {hour12(sent)} {who} wrote:"
        return f"{head}\n\n{prefixed(body, '> ', '>')}"
    if style == "gmail-uk":
        head = f"On {day[:3]}, {sent.day} {mon} {sent.year} at {sent:%H:%M}, {who} wrote:"
        return f"{head}\n\n{prefixed(body, '> ', '>')}"
    if style == "outlook":
        return (f"-----Original Message-----\nFrom: {frm}\n"
                f"Sent: {day}, {month} {sent.day}, {sent.year} {hour12(sent)}\n"
                f"To: {to}\nSubject: {orig.subject}\n\n{body}")
    if style == "outlook-uk":
        return (f"-----Original Message-----\nFrom: {frm}\n"
                f"Sent: {sent.day:02d} {month} {sent.year} {sent:%H:%M}\n"
                f"To: {to}\nSubject: {orig.subject}\n\n{body}")
    if style == "outlook-line":
        return ("_" * 32 + f"\nFrom: {frm}\n"
                f"Sent: {day}, {month} {sent.day}, {sent.year} {hour12(sent)}\n"
                f"To: {address_of(to)}\nSubject: {orig.subject}\n\n{body}")
    if style == "outlook-de":
        wtag = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                "Sonntag"][sent.weekday()]
        monat = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                 "September", "Oktober", "November", "Dezember"][sent.month - 1]
        return (f"Von: {frm}\nGesendet: {wtag}, {sent.day}. {monat} {sent.year} {sent:%H:%M}\n"
                f"An: {to}\nBetreff: {orig.subject}\n\n{body}")
    if style in {"apple", "iphone"}:
        head = f"On {mon} {sent.day}, {sent.year}, at {hour12(sent)}, {who} wrote:"
        return prefixed(f"{head}\n\n{body}", "> ", ">")
    if style == "apple-uk":
        head = f"On {sent.day} {mon} {sent.year}, at {sent:%H:%M}, {who} wrote:"
        return f"{head}\n\n{prefixed(body, '> ', '>')}"
    if style == "thunderbird":
        head = f"On {sent.month}/{sent.day}/{sent.year} {hour12(sent)}, {name_of(frm)} wrote:"
        return f"{head}\n{prefixed(body, '> ', '>')}"
    if style == "thunderbird-eu":
        head = f"On {sent:%d.%m.%y %H:%M}, {name_of(frm)} wrote:"
        return f"{head}\n{prefixed(body, '> ', '>')}"
    if style == "yahoo":
        tz = sent.strftime("%z")
        gmt = "GMT" + (f"{tz[0]}{int(tz[1:3])}" if tz != "+0000" else "")
        head = (f"On {day}, {month} {sent.day}, {sent.year} at "
                f"{hour12(sent).replace(' ', f':{sent.second:02d} ')} {gmt}, {frm} wrote:")
        return f"{head}\n\n\n{body}"
    if style == "mailx":
        head = f"{frm} wrote:"
        return f"{head}\n\n{prefixed(body, chr(9), '')}"
    if style == "fwd":
        return (f"---------- Forwarded message ---------\nFrom: {frm}\n"
                f"Date: {day[:3]}, {mon} {sent.day}, {sent.year} at {hour12(sent)}\n"
                f"Subject: {orig.subject}\nTo: <{address_of(to)}>\n\n{body}")
    raise ValueError(style)


def reply_prefix(style: str) -> str:
    """What the client puts before the subject of a reply (or forward)."""
    if style.startswith("outlook-de"):
        return "AW: "
    if style.startswith("outlook"):
        return "RE: "
    return "Fwd: " if style == "fwd" else "Re: "


def inline_parts(lines: list[str]) -> tuple[str, str, str]:
    """Whole text, the prospect's words and the quoted lines of an inline answer."""
    text, quoted, paragraphs, current = [], [], [], []
    for line in lines:
        if line.startswith("!"):
            text.append(line[1:])
        elif line.startswith(">"):
            text.append(line)
            quoted.append(line[2:] if line.startswith("> ") else line[1:])
        else:
            text.append(line)
        if line.startswith(("!", ">")) or not line.strip():
            if current:
                paragraphs.append("\n".join(current))
                current = []
        else:
            current.append(line)
    if current:
        paragraphs.append("\n".join(current))
    return trim(text), "\n\n".join(paragraphs), trim(quoted)


def build(item: Item, index: int, originals: dict[str, Original]) -> dict[str, object]:
    h = item.headers
    if "from" not in h:
        fail(item.where, "missing from:")
    orig = originals[item.original] if item.original else None
    if item.original and orig is None:
        fail(item.where, f"unknown original {item.original}")
    quoted_original: str | None = None
    sig = trim(item.sig) if item.sig is not None else ""
    if item.style == "inline":
        text, new_text, quoted = inline_parts(item.new)
        quoted_original = quoted or None
        if sig:
            text += "\n\n" + sig
    else:
        new_text = trim(item.new)
        parts = [p for p in (new_text, sig) if p]
        if item.style != "none":
            assert orig is not None, item.where
            sent = item.date - dt.timedelta(hours=GAPS[index % len(GAPS)])
            while sent.weekday() >= 5:  # our cold emails go out on working days
                sent -= dt.timedelta(days=1)
            quote = render_quote(item.style.removesuffix("-bottom"), orig, sent, h["from"])
            if item.style.endswith("-bottom"):
                parts.insert(0, quote)
            else:
                parts.append(quote)
            quoted_original = orig.body
        text = "\n\n".join(parts)
        if item.style == "iphone" and not sig:
            fail(item.where, "iphone style wants a sig (Sent from my iPhone)")
    subject = h.get("subj") or (reply_prefix(item.style) + orig.subject if orig else "Re: ")
    until = h.get("until") or None
    if until:
        dt.date.fromisoformat(until)
        if item.intent != "not_now" or until <= item.date.date().isoformat():
            fail(item.where, "until only for not_now, and after the reply's date")
    refs = [r.strip() for r in h.get("ref", "").split(",") if r.strip()]
    if refs and item.intent != "referral":
        fail(item.where, "ref only for referral")
    for ref in refs:
        if ref.lower() not in new_text.lower():
            fail(item.where, f"referral {ref} not in new_text")
    for domain in re.findall(r"[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})", text + " " + h["from"], re.I):
        if not re.search(r"(^|[.-])example\.(com|org|net)$", domain.lower()):
            fail(item.where, f"domain {domain} is not a fake example domain")
    return {
        "id": f"en-{index + 1:04d}",
        "lang": "en",
        "date": item.date.strftime("%a, %d %b %Y %H:%M:%S %z"),
        "subject": subject,
        "from": h["from"],
        "text": text + "\n",
        "quoted_original": quoted_original,
        "new_text": new_text,
        "intent": item.intent,
        "intent_until": until,
        "referral": refs,
        "split": item.split,
        "note": h.get("note") or None,
    }


def main() -> None:
    originals = load_originals(SRC / "originals.txt")
    items = [i for path in sorted(SRC.glob("replies-*.txt")) for i in parse_items(path)]
    records = [build(item, n, originals) for n, item in enumerate(items)]
    seen: set[str] = set()
    for record, item in zip(records, items, strict=True):
        key = str(record["new_text"]).lower()
        if key and key in seen:
            fail(item.where, "same new_text twice")
        seen.add(key)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts: dict[tuple[str, str], int] = {}
    for record in records:
        k = (str(record["intent"]), str(record["split"]))
        counts[k] = counts.get(k, 0) + 1
    for intent in sorted(INTENTS):
        print(f"{intent:15} train {counts.get((intent, 'train'), 0):4}"
              f"  test {counts.get((intent, 'test'), 0):4}")
    print(f"total {len(records)} -> {OUT}")


if __name__ == "__main__":
    main()
