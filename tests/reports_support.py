"""Helpers for cross-checking ``outreach report`` against a real mail stack (no tests here).

Two halves, kept apart on purpose:
- reading what the stack holds over IMAP: every message a rep's Sent folder keeps, the
  INBOX with each message's INTERNALDATE, and the original a DSN bounce carries;
- tallying, from those observations alone, the rows ``outreach report --json`` should
  print. The tally never reads the database or the product's report code, so a mistake
  there shows up as a difference instead of being repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from tests.fixtures.mailstack import MailStack, parse_message

STEP_MARK = re.compile(r"step (\d+) \(variant ([A-Z])\)")
"""The marker the cross-check sequences put in every body: which step and variant it is."""


@dataclass(frozen=True)
class SeenSend:
    """One message a rep sent, as its copy in the rep's Sent folder shows it."""

    message_id: str
    prospect: str
    mailbox: str
    step: int
    """1-based, read from the body's marker."""
    variant: str
    """"A", "B", …, read from the body's marker."""
    day: str
    """The UTC day of its Date header (ISO)."""


@dataclass(frozen=True)
class SeenOutcome:
    """Something that came back for one send: reply, unsubscribe, auto_reply, bounce_hard."""

    kind: str
    answers: SeenSend
    day: str
    """The UTC day it arrived in the rep's INBOX (its INTERNALDATE, ISO)."""


@dataclass(frozen=True)
class Waiting:
    """A prospect still in progress: the mailbox writing to them and the step they get next."""

    mailbox: str
    next_step: int
    """1-based."""


# -- reading the stack ------------------------------------------------------------------


def utc_day(moment: datetime) -> str:
    """The ISO UTC day of an aware datetime."""
    return moment.astimezone(UTC).date().isoformat()


def seen_send(copy: Message, mailbox: str) -> SeenSend:
    """What a Sent copy says about its send; fails when the body lacks the step marker."""
    body = copy.get_body(("plain",)) if isinstance(copy, EmailMessage) else None
    found = STEP_MARK.search(body.get_content() if body is not None else "")
    assert found is not None, f"no step marker in {copy['Message-ID']}"
    return SeenSend(
        message_id=str(copy["Message-ID"]),
        prospect=parseaddr(str(copy["To"]))[1].lower(),
        mailbox=mailbox,
        step=int(found.group(1)),
        variant=found.group(2),
        day=utc_day(parsedate_to_datetime(str(copy["Date"]))),
    )


def inbox_arrivals(stack: MailStack, address: str) -> dict[str, tuple[Message, datetime]]:
    """Every message in ``address``'s INBOX by Message-ID, with its INTERNALDATE (UTC)."""
    with stack.imap_client(address, stack.password_of(address)) as client:
        client.normalise_times = False  # aware datetimes: the server's zone, not ours
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"]) if uids else {}
    arrivals = {}
    for _uid, item in sorted(data.items()):
        message = parse_message(item[b"BODY[]"])
        arrivals[str(message["Message-ID"])] = (message, item[b"INTERNALDATE"].astimezone(UTC))
    return arrivals


def dsn_original(message: Message) -> tuple[str, str] | None:
    """(Message-ID of the bounced original, failed recipient) for a DSN; None otherwise."""
    if message.get_content_type() != "multipart/report":
        return None
    original = next(
        (p for p in message.walk() if p.get_content_type() in ("message/rfc822",
                                                              "text/rfc822-headers")),
        None,
    )
    status = next(
        (p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None
    )
    assert original is not None and status is not None, "a DSN without original or status"
    return _message_id_of(original), _final_recipient(status)


def _message_id_of(part: Message) -> str:
    """The Message-ID of the message a DSN returns (whole, or only its headers)."""
    if part.is_multipart():  # message/rfc822: the original as a sub-message
        inner = part.get_payload(0)
    else:  # text/rfc822-headers
        raw = part.get_payload(decode=True)
        assert isinstance(raw, bytes)
        inner = parse_message(raw)
    assert isinstance(inner, Message)
    return str(inner["Message-ID"])


def _final_recipient(status: Message) -> str:
    """The address of the DSN's first ``Final-Recipient: rfc822; …`` field."""
    text = status.as_string()
    found = re.search(r"^Final-Recipient:\s*rfc822;\s*(\S+)", text, re.I | re.M)
    assert found is not None, f"no Final-Recipient in {text!r}"
    return found.group(1).lower()


# -- what the report should say ---------------------------------------------------------


def send_key(by: str, campaign: str) -> Callable[[SeenSend], str]:
    """How a grouping names the group of a send."""
    keys: dict[str, Callable[[SeenSend], str]] = {
        "campaign": lambda s: campaign,
        "step": lambda s: f"step {s.step}",
        "variant": lambda s: f"step {s.step} {s.variant}",
        "mailbox": lambda s: s.mailbox,
        "day": lambda s: s.day,
    }
    return keys[by]


def outcome_key(by: str, campaign: str) -> Callable[[SeenOutcome], str]:
    """Answers count at the send they answer, but on the day they arrived."""
    if by == "day":
        return lambda o: o.day
    key = send_key(by, campaign)
    return lambda o: key(o.answers)


def waiting_key(by: str, campaign: str) -> Callable[[Waiting], str] | None:
    """Groupings that show prospects in progress; None for variant and day."""
    keys: dict[str, Callable[[Waiting], str]] = {
        "campaign": lambda w: campaign,
        "step": lambda w: f"step {w.next_step}",
        "mailbox": lambda w: w.mailbox,
    }
    return keys.get(by)


def expected_row(group: str, sends: Sequence[SeenSend], outcomes: Sequence[SeenOutcome],
                 waiting: Sequence[Waiting] | None) -> dict[str, Any]:
    """One row as ``report --json`` prints it, counted from observations."""
    bounced = {kind: len({o.answers.message_id for o in outcomes if o.kind == kind})
               for kind in ("bounce_hard", "bounce_soft")}
    people = {kind: len({o.answers.prospect for o in outcomes if o.kind == kind})
              for kind in ("reply", "unsubscribe", "auto_reply")}
    contacted = len({s.prospect for s in sends})
    return {
        "group": group, "subject": None, "sent": len(sends), "delivered": len(sends) - sum(bounced.values()),
        "contacted": contacted, "replied": people["reply"],
        "reply_rate": round(people["reply"] / contacted, 4) if contacted else 0.0,
        "bounced_hard": bounced["bounce_hard"], "bounced_soft": bounced["bounce_soft"],
        "unsubscribed": people["unsubscribe"], "auto_replies": people["auto_reply"],
        "in_progress": None if waiting is None else len(waiting),
    }


def expected_report(campaign: str | None, by: str | None, sends: Sequence[SeenSend],
                    outcomes: Sequence[SeenOutcome], waiting: Sequence[Waiting],
                    name: str, subjects: dict[str, str] | None = None) -> dict[str, Any]:
    """The whole ``report [campaign] --json [--by by]`` document; ``name`` is the campaign
    all observations belong to (``campaign`` is what the command was given); ``subjects``:
    the sequence's subject of each variant (``step 1 A``), named by ``--by variant``."""
    by = by or (None if campaign else "campaign")
    rows = expected_rows(by, sends, outcomes, waiting, name) if by else []
    if by == "variant":
        rows = [{**row, "subject": (subjects or {}).get(row["group"])} for row in rows]
    total = expected_row("total", sends, outcomes, waiting)
    return {"campaign": campaign, "by": by, "total": total, "rows": rows}


def expected_rows(by: str, sends: Sequence[SeenSend], outcomes: Sequence[SeenOutcome],
                  waiting: Sequence[Waiting], name: str) -> list[dict[str, Any]]:
    s_key, o_key, w_key = send_key(by, name), outcome_key(by, name), waiting_key(by, name)
    groups = {s_key(s) for s in sends} | {o_key(o) for o in outcomes}
    groups |= {w_key(w) for w in waiting} if w_key else set()
    return [expected_row(g, [s for s in sends if s_key(s) == g],
                         [o for o in outcomes if o_key(o) == g],
                         None if w_key is None else [w for w in waiting if w_key(w) == g])
            for g in sorted(groups, key=_in_order)]


def _in_order(group: str) -> tuple[int, str]:
    """Steps by number ("step 10" after "step 2"); everything else alphabetically."""
    found = re.match(r"step (\d+)", group)
    return (int(found.group(1)) if found else 0, group)
