"""Non-standard bounces: clues in headers and report text, and the addresses they name.

Many MTAs (qmail, old Exim/Sendmail, Exchange in some modes, webmail providers) send
failure reports without a ``message/delivery-status`` part. A message counts as a bounce
when at least two independent clues agree, at least one of them strong (sender, subject,
``X-Failed-Recipients``), or three weak ones (report phrases, SMTP codes, a returned copy).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.dsn import STATUS_RE
from outreach.mailbox.classify.original import has_original
from outreach.mailbox.classify.rules import Rules

_SMTP_REPLY_RE = re.compile(
    r"(?<![\d.:/-])(?:4[2-5]\d|5[0-5]\d)(?:[ -]+(?:[45]\.\d{1,3}\.\d{1,3}|#?[A-Za-z<(\[]))|"
    r"#[45]\.\d{1,3}\.\d{1,3}|\b(?i:said|error|reply|response|code)\s*+:?\s*+[45]\d\d\b",
)
_REPLY_PREFIX_RE = re.compile(r"^\s*+(?:re|aw|sv|antw|fwd?|wg|tr|rv|r)\s*+(?:\[\d+\])?\s*+:", re.I)
_COPY_MARKERS = re.compile(
    r"(?:below this line is a copy of the message|this is a copy of the message"
    r"|original message follows?\b|original message (?:header|headers) follows?\b"
    r"|header of the original message|message headers follow|headers of the original"
    r"|^original message headers:"
    r"|(?<!-)-+ ?original message ?-|(?<!-)-+ ?(?:the )?(?:returned|undelivered|original) message"
    r"|(?<!-)-+ ?returned mail ?-"
    r"|original message (?:as received )?(?:is |was )?(?:as follows|below)"
    r"|content-type: message/rfc822|unsent message below)",
    re.I | re.M,
)
_MAX_REPORT = 50_000
"""Characters of report text examined: reports are short, the returned copy is not."""
_ADDRESS_RE = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w#-]+(?:\.[\w-]+)+", re.ASCII
)
_SKIP_LINE_RE = re.compile(
    r"^\s*(?:message-id|in-reply-to|references|received|return-path|from|reply-to|sender|to|cc"
    r"|x-[\w-]+|dkim-signature|arc-[\w-]+|authentication-results|list-[\w-]+)\s*:|"
    r"\bmail from\s*:|\bby [\w.-]+ (?:with|id)\b|\benvelope-from\b|\bfor <",
    re.I,
)
_FAILURE_WORDS_RE = re.compile(
    r"unknown|fail|reject|does not exist|doesn't exist|undeliver|not found|no such|invalid"
    r"|mailbox|quota|full|disabled|denied|refused|unavailable|error|recipient"
    r"|(?<![\w.+-])[45]\d\d(?![\w.]|-\d{4})",
    re.I,
)
_LEAD_ADDRESS_RE = re.compile(
    r"^[^\S\n]*(?:[^<>\n@]{0,60}<)?<?([^\s<>@]+@[^\s<>]+?)>?[^\S\n]*(?::|\.{3}|$|\(|\s-)",
    re.M,
)
_HELP_LINE_RE = re.compile(
    r"\b(?:please\s+contact|contact\s+(?:your|the|our)\b|further\s+assistance"
    r"|for\s+(?:more\s+)?(?:help|information|assistance))",
    re.I,
)
_STATEMENT_RE = re.compile(
    r"(?:\b(?:could\s+not|couldn't|cannot|can't|was\s+not|wasn't|has\s+not\s+been)\s+"
    r"(?:be\s+)?delivered\s+to|\bundeliverable\s+to|\b(?:failed|unable)\s+to\s+deliver"
    r"(?:\s+(?:your\s+)?(?:message|mail))?\s+to|\bdelivery\s+to\s+the\s+following\s+"
    r"recipients?\s+failed|\bfollowing\s+address(?:\(es\)|es)?\s+failed)"
    r"(?:\s+the\s+following\s+(?:recipients?|address(?:\(es\)|es)?))?[\s:*<\"'(\[]{0,120}?"
    r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+",
    re.I,
)
"""A mail system's failure statement followed by the address it failed for ("Your message
could not be delivered to\n\n  jane@example.org"): a person seldom writes one."""
_STATEMENT_SCAN = 3_000
_ADDR = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
_STATED_RE = re.compile(
    r"(?:\b(?:could\s+not|couldn't|cannot|can't|was\s+not|wasn't|has\s+not\s+been|not)\s+"
    r"(?:be\s+)?delivered\s+to|\bundeliverable\s+to|\b(?:failed|unable)\s+to\s+deliver"
    r"(?:\s+(?:your\s+|the\s+)?(?:message|mail|e-?mail))?\s+to"
    r"|\berror\s+(?:delivering|sending)\s+(?:your\s+|the\s+)?(?:message|mail|e-?mail)\s+to"
    r"|\bdelivery\s+(?:to|of\s+(?:your|the)\s+(?:message|mail)\s+to)"
    r"|\baddress\s+to\s+which\s+your\s+message\s+was\s+(?:addressed|sent)"
    r"|\b(?:unknown|invalid|failed|rejected|bad)\s+(?:recipient|user|address|mailbox)"
    r"(?:\s+address)?|\bno\s+such\s+(?:user|recipient|mailbox|address))"
    r"[\s:*<\"'(\[,]{0,40}?(" + _ADDR + r")"
    r"|(?:\b(?:your\s+)?(?:message|mail)\s+(?:to|for)|\brecipient)\s+<?\"?(" + _ADDR + r")\"?>?"
    r"[\s,:]{1,5}(?:could\s+not|couldn't|cannot|can't|was\s+not|wasn't|has\s+not|is\s+not"
    r"|failed|was\s+rejected|was\s+refused|bounced|(?:is\s+)?undeliverable|does\s+not\s+exist"
    r"|is\s+unknown|unknown)",
    re.I,
)
"""The failed address where a mail system's sentence names it: "There was an error
delivering your mail to <jane@example.org>", "The address to which your message was
addressed, jane@example.org, did not …", "User unknown: jane@example.org", "Your message
to jane@example.org could not be delivered". Only white space and punctuation may stand
between the phrase and the address."""
_MACHINE_LOCAL_RE = re.compile(
    r"^(?:mailer-?daemon|postmaster|no-?reply|do-?not-?reply|bounces?|root|abuse)\b"
    r"|^owner-|^[^@]*-(?:owner|request|bounces)@",
    re.I,
)
_LIST_INTRO_RE = re.compile(
    r"\b(?:following\s+(?:e-?mail\s+)?(?:recipients?|address(?:es)?|users?)(?:\(s\)|\(es\))?"
    r"|did\s+not\s+reach|(?:could\s+not|couldn't|cannot)\s+be\s+delivered\s+to"
    r"|undeliverable\s+to|failed\s+recipients?|not\s+delivered\s+to"
    r"|not\s+yet\s+been\s+delivered|folgenden?\s+(?:empfänger|adressen?)"
    r"|destinataires?\s+suivants?|siguientes\s+destinatarios|seguenti\s+destinatari"
    r"|volgende\s+(?:ontvangers?|adressen))\b[^\n]*\n",
    re.I,
)
"""The line that introduces a list of failed addresses, one a line below it."""
_LISTED_RE = re.compile(
    r"^[\s>*\"'(\[-]*+(?:[^<>@\n]{0,60}<)?(?:[^<>@\n]{0,80}?(?:smtp|rfc822|mailto)\s*[=:;]\s*)?<?"
    r"([\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)",
    re.I,
)
"""An address at the start of a listed line: bare, ``<addr>``, ``"Name" <addr>``, X.400
``…;dda:SMTP=addr;`` (Exchange 5.5), followed by anything ("on <date>", ": reason")."""
_LISTED_LOCAL_RE = re.compile(
    r"^[\s>*\"'(\[-]*+<?([\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*)>?"
    r"(?:[^\S\n]*$|[^\S\n]{2,}\S|\.{3})",
    re.ASCII,
)
"""A bare local part listed as failed (``  jdoe      No such user``, ``<jdoe>... User
unknown``): mail systems that report their own users often leave the domain out."""
_MAILTO_RE = re.compile(r"^(?:mailto|smtp|rfc822)\s*:\s*", re.I)
_RCPT_RE = re.compile(r"\brcpt\s+to\s*:\s*<?(" + _ADDR + r")", re.I)
_LIST_SPAN = 40
_LIST_END_RE = re.compile(r"^\s*(?:-{3,}|={3,}|\*{5,})")


@dataclass(frozen=True)
class BounceClues:
    """What points to a bounce in a message without a delivery-status part."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]

    @property
    def is_bounce(self) -> bool:
        """Two clues with a strong one, three weak ones, or X-Failed-Recipients."""
        if any(clue.startswith("X-Failed-Recipients") for clue in self.strong):
            return True
        total = len(self.strong) + len(self.weak)
        return (bool(self.strong) and total >= 2) or len(self.weak) >= 3

    @property
    def evidence(self) -> str:
        """The clues, for logs."""
        return "; ".join(self.strong + self.weak)


def bounce_clues(msg: Message, report: str, rules: Rules) -> BounceClues:
    """Collect the clues of a bounce in headers and the report text."""
    strong = [clue for clue in (_sender_clue(msg, rules), _subject_clue(msg, rules)) if clue]
    if statement := _STATEMENT_RE.search(report_head(report)[:_STATEMENT_SCAN]):
        strong.append(f"failure statement {' '.join(statement.group(0).split())[:80]!r}")
    if mime.header(msg, "X-Failed-Recipients"):
        strong.insert(0, "X-Failed-Recipients header")
    weak = [clue for clue in _weak_clues(msg, report, rules) if clue]
    return BounceClues(tuple(strong), tuple(weak))


def _sender_clue(msg: Message, rules: Rules) -> str | None:
    name, address = mime.from_address(msg)
    if "From" in msg and not (name or address):
        return "empty From (null sender)"
    found = rules.bounce_senders.search(address) or rules.bounce_senders.search(name)
    return f"sender {address or name}" if found else None


def _subject_clue(msg: Message, rules: Rules) -> str | None:
    subject = mime.header(msg, "Subject")
    if _REPLY_PREFIX_RE.match(subject):
        return None
    found = rules.bounce_subjects.search(subject) or rules.bounce_delay_subjects.search(subject)
    return f"subject {found!r}" if found else None


def _weak_clues(msg: Message, report: str, rules: Rules) -> list[str | None]:
    head = report_head(report)
    phrase = rules.bounce_body.search(head) or rules.bounce_delay_body.search(head)
    code = _SMTP_REPLY_RE.search(head) or STATUS_RE.search(head)
    return_path = mime.header(msg, "Return-Path").strip()
    return [
        f"report text {phrase!r}" if phrase else None,
        f"SMTP code {code.group(0).strip()!r}" if code else None,
        "returned original attached" if has_original(msg) else None,
        "null Return-Path" if return_path in ("<>", "") and "Return-Path" in msg else None,
    ]


@functools.lru_cache(maxsize=16)
def report_head(report: str) -> str:
    """The report text before the returned copy of the original message (its line)."""
    found = _COPY_MARKERS.search(report)
    return report[: report.rfind("\n", 0, found.start()) + 1] if found else report


def report_text(msg: Message) -> str:
    """Text of the report itself: its text parts, not the attached original."""
    parts = [mime.part_text(part) for part in mime.top_level_leaves(msg) if _is_report(part)]
    return "\n\n".join(text for text in parts if text.strip())[:_MAX_REPORT]


def _is_report(part: Message) -> bool:
    ctype = mime.content_type(part)
    return ctype.startswith(("text/", "multipart/")) and ctype != "text/rfc822-headers"


def body_recipients(
    report: str,
    exclude: Collection[str],
    known: Collection[str] = (),
    domain: str | None = None,
) -> list[str]:
    """Failed addresses named in report text, best-supported first (may be empty).

    ``known``: the addresses the returned copy was sent to, and ``domain``: the reporting
    mail system's own, complete a failed recipient listed by its local part alone."""
    head = report_head(report)
    lines = [line for line in head.splitlines() if not _SKIP_LINE_RE.search(line)]
    text = "\n".join(lines)
    exclude = {*exclude, *help_addresses(head)}
    listed = _usable(_listed_addresses(head, known, domain), exclude)
    if listed:
        return listed
    for finder in (_stated_addresses, _leading_addresses, _rcpt_addresses, _addresses_near_failure):
        found = _usable(finder(text), exclude)
        if found:
            return found
    return []


def help_addresses(head: str) -> set[str]:
    """Addresses the report offers for help ("please contact <support@isp.example>"):
    never the failed recipient, wherever else the report repeats them."""
    found: set[str] = set()
    for line in head.splitlines():
        if _HELP_LINE_RE.search(line):
            found.update(match.group(0).lower() for match in _ADDRESS_RE.finditer(line))
    return found


def _listed_addresses(head: str, known: Collection[str], domain: str | None) -> list[str]:
    """Addresses listed one a line under a "did not reach the following recipient(s):"
    line (blank lines and the per-address reason lines between them skipped). Bare local
    parts count where they open the list, completed by :func:`_complete`."""
    found: list[str] = []
    for intro in _LIST_INTRO_RE.finditer(head):
        lines = _after_intro(intro.group(0), head[intro.end() :].splitlines()[:_LIST_SPAN])
        bare_allowed, listed = True, len(found)
        for line in lines:
            if _COPY_MARKERS.search(line) or _LIST_END_RE.match(line):
                break
            if (match := _LISTED_RE.match(line)) and not _SKIP_LINE_RE.search(line):
                found.append(match.group(1))
            elif bare_allowed and (local := _LISTED_LOCAL_RE.match(line)) and line.strip():
                if address := _complete(local.group(1), known, domain):
                    found.append(address)
            # bare local parts only in the first run of lines under the intro
            bare_allowed = bare_allowed and (bool(line.strip()) or len(found) == listed)
            bare_allowed = bare_allowed and bool(_LISTED_LOCAL_RE.match(line) or not line.strip())
    return found


def _after_intro(intro: str, lines: list[str]) -> list[str]:
    """The lines below an intro sentence that wraps ("… could not be\\ndelivered because
    …:"): those after the sentence's line ending in a colon, when one of the next two
    lines is (neither blank nor naming an address)."""
    if intro.rstrip().endswith(":"):
        return lines
    for index, line in enumerate(lines[:2]):
        if not line.strip() or "@" in line or _LISTED_LOCAL_RE.match(line):
            return lines
        if line.rstrip().endswith(":"):
            return lines[index + 1 :]
    return lines


def _complete(local: str, known: Collection[str], domain: str | None) -> str | None:
    """A bare local part made an address: the returned copy's recipient with that local
    part, else the local part at the reporting system's ``domain`` (None without one)."""
    lowered = local.lower()
    if len(lowered) < 2 or lowered.isdigit():
        return None
    for address in known:
        if address.rpartition("@")[0] == lowered:
            return address
    return f"{lowered}@{domain}" if domain else None


def _stated_addresses(text: str) -> list[str]:
    """Addresses a failure sentence names (:data:`_STATED_RE`)."""
    return [m.group(1) or m.group(2) for m in _STATED_RE.finditer(text)]


def _rcpt_addresses(text: str) -> list[str]:
    """Addresses of ``RCPT TO:`` lines: an SMTP transcript or the report's message details."""
    return [m.group(1) for m in _RCPT_RE.finditer(text)]


def _leading_addresses(text: str) -> list[str]:
    return [m.group(1) for m in _LEAD_ADDRESS_RE.finditer(text)]


def _addresses_near_failure(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        if _FAILURE_WORDS_RE.search(line):
            found.extend(m.group(0) for m in _ADDRESS_RE.finditer(line))
    return found


def lone_address(report: str, exclude: Collection[str]) -> str | None:
    """The only usable address in the report head, if there is exactly one."""
    head = report_head(report)
    exclude = {*exclude, *help_addresses(head)}
    found = _usable([m.group(0) for m in _ADDRESS_RE.finditer(head)], exclude)
    return found[0] if len(found) == 1 else None


def _usable(candidates: list[str], exclude: Collection[str]) -> list[str]:
    """Candidates cleaned (brackets, quotes, ``mailto:``, trailing dots; lower case), each
    once, without excluded and machine addresses, and without one that only glues a path
    or label to another (``identity/jane@example.org`` next to ``jane@example.org``)."""
    seen: list[str] = []
    for raw in candidates:
        address = _MAILTO_RE.sub("", raw.strip(".,;:<>()[]\"'")).strip(".").lower()
        if _ADDRESS_RE.fullmatch(address) and address not in exclude and address not in seen:
            if not _MACHINE_LOCAL_RE.match(address):
                seen.append(address)
    return [a for a in seen if not any(a.endswith(("/" + b, ":" + b)) for b in seen)]


def body_status(report: str) -> str | None:
    """The first enhanced status code in the report head, else one from a basic SMTP code."""
    head = report_head(report)
    if found := STATUS_RE.search(head):
        return ".".join(found.groups())
    basic = re.search(r"(?<![\d.])([45])[0-5]\d(?=[ -]+[A-Za-z<#(]|\))", head)
    return f"{basic.group(1)}.0.0" if basic else None


def smtp_line(report: str) -> str | None:
    """The report line holding the first SMTP reply, as diagnostic text."""
    head = report_head(report)
    for line in head.splitlines():
        if _SMTP_REPLY_RE.search(line) or STATUS_RE.search(line):
            return " ".join(line.split())[:500]
    return None
