"""``classify``: what an inbound message means for a sequence. Pure, never raises.

Order matters: our own copies, then feedback reports, challenge-response notices sent as
delivery reports, disposition notifications (a refusal is a bounce that names the
refuser; a read receipt is nothing), and bounces (which often carry ``Auto-Submitted`` too), then an
"unsubscribe" subject, automatic answers, list mail that answers nothing, opt-out
phrases, and finally a person's reply.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from email.message import Message

from outreach.mailbox.classify import mime
from outreach.mailbox.classify.autoreply import (
    auto_reply_evidence,
    is_bulk,
    stated_return_date,
)
from outreach.mailbox.classify.bounce import detect_bounce
from outreach.mailbox.classify.challenge import challenge_evidence
from outreach.mailbox.classify.dsn import is_feedback_report
from outreach.mailbox.classify.machine import machine_sender
from outreach.mailbox.classify.mdn import is_disposition_report, read_disposition
from outreach.mailbox.classify.model import (
    AutoReply,
    Bounce,
    BounceReason,
    Classification,
    FailedRecipient,
    Kind,
)
from outreach.mailbox.classify.quotes import ReplySplit, split_reply
from outreach.mailbox.classify.rules import Rules, default_rules
from outreach.mailbox.classify.unsubscribe import unsubscribe_phrase, unsubscribe_subject


def classify(
    msg: Message,
    *,
    rules: Rules | None = None,
    our_addresses: Collection[str] = (),
    sent_texts: Sequence[str] = (),
) -> Classification:
    """Classify an inbound message as reply, auto_reply, bounce, unsubscribe or other.

    ``sent_texts``: the text of the steps we sent that the message answers. Lines that
    repeat them are never the sender's words (an opt-out PS quoted back is not an opt-out).
    """
    try:
        ours = frozenset(address.lower() for address in our_addresses)
        return _classify(msg, rules or default_rules(), ours, tuple(sent_texts))
    except Exception as exc:  # a safety net: hostile input must never stop the watcher
        # A person's reply is the safe guess: it halts follow-ups instead of mailing on.
        return Classification(Kind.REPLY, f"unreadable message ({type(exc).__name__})")


def new_text(
    msg: Message, *, rules: Rules | None = None, sent_texts: Sequence[str] = ()
) -> str:
    """The sender's own text: quotes, forwarded mail, our own text and signature removed."""
    try:
        return split_reply(mime.body_text(msg), rules, sent_texts).body
    except Exception:
        return ""


def _classify(
    msg: Message, rules: Rules, ours: frozenset[str], sent_texts: tuple[str, ...]
) -> Classification:
    if mime.from_address(msg)[1] in ours:
        return Classification(Kind.OTHER, "sent from our own address", flags=frozenset({"from_us"}))
    if is_feedback_report(msg):
        flags = frozenset({"feedback_report"})
        return Classification(Kind.OTHER, "ARF feedback report", flags=flags)
    if evidence := challenge_evidence(msg, rules):
        auto = AutoReply()
        return Classification(Kind.AUTO_REPLY, evidence, auto_reply=auto, flags=_CHALLENGE)
    if is_disposition_report(msg):
        return _disposition(msg)
    verdict = detect_bounce(msg, rules, ours)
    if verdict.bounce is not None:
        return Classification(Kind.BOUNCE, verdict.evidence, bounce=verdict.bounce)
    if verdict.delivered_dsn:
        return Classification(Kind.OTHER, verdict.evidence, flags=frozenset({"delivered_dsn"}))
    split = split_reply(mime.body_text(msg), rules, sent_texts)
    if evidence := machine_sender(msg):
        # Mail software, not a person: an auto-reply may still pause, never a reply.
        if answer := auto_reply_evidence(msg, split, rules):
            return _auto_reply(msg, split, answer)
        return Classification(Kind.OTHER, evidence, new_text=split.body, flags=_MAIL_SYSTEM)
    return _classify_text(msg, split, rules)


def _classify_text(msg: Message, split: ReplySplit, rules: Rules) -> Classification:
    if evidence := unsubscribe_subject(msg, rules):
        return Classification(Kind.UNSUBSCRIBE, evidence, new_text=split.body)
    if evidence := auto_reply_evidence(msg, split, rules):
        return _auto_reply(msg, split, evidence)
    if is_bulk(msg) and not _answers_something(msg):
        return Classification(Kind.OTHER, "list or bulk mail", new_text=split.body, flags=_BULK)
    sender = mime.from_address(msg)[1] or None
    if evidence := unsubscribe_phrase(split.body, rules, sender=sender):
        return Classification(Kind.UNSUBSCRIBE, evidence, new_text=split.body)
    return Classification(Kind.REPLY, "written by a person", new_text=split.body)


def _disposition(msg: Message) -> Classification:
    """A refusal (Sieve ``reject``, "deleted") acts like a hard bounce naming the refuser;
    a read receipt or an unreadable notification changes nothing."""
    found = read_disposition(msg)
    if found is None or not found.refused:
        what = found.disposition if found else "unreadable"
        flags = frozenset({"disposition_notification"})
        return Classification(Kind.OTHER, f"disposition notification ({what})", flags=flags)
    refuser = FailedRecipient(
        address=found.recipient,
        action=found.disposition,
        diagnostic=found.explanation or None,
        reason=BounceReason.REFUSED,
        original_address=found.original_recipient,
    )
    bounce = Bounce((refuser,), found.original_message_id, standard=True)
    evidence = f"message refused: disposition {found.disposition} (RFC 8098)"
    return Classification(Kind.BOUNCE, evidence, bounce=bounce, flags=frozenset({"refusal"}))


def _auto_reply(msg: Message, split: ReplySplit, evidence: str) -> Classification:
    auto = AutoReply(return_date=stated_return_date(msg, split))
    return Classification(Kind.AUTO_REPLY, evidence, auto_reply=auto, new_text=split.body)


_BULK = frozenset({"bulk"})
_MAIL_SYSTEM = frozenset({"mail_system"})
_CHALLENGE = frozenset({"challenge_response"})


def _answers_something(msg: Message) -> bool:
    """True when the message is a reply (In-Reply-To/References or a Re: subject)."""
    if mime.header(msg, "In-Reply-To") or mime.header(msg, "References"):
        return True
    return mime.header(msg, "Subject").lower().lstrip().startswith(("re:", "aw:", "sv:"))
