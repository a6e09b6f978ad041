"""Bounce detection: an RFC 3464 report when there is one, heuristics otherwise."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from email.message import Message
from email.utils import getaddresses

from outreach.mailbox.classify import dsn, mime
from outreach.mailbox.classify.bounce_heuristics import (
    body_recipients,
    body_status,
    bounce_clues,
    lone_address,
    report_head,
    report_text,
    smtp_line,
)
from outreach.mailbox.classify.bounce_reason import bounce_reason
from outreach.mailbox.classify.delay import delay_evidence
from outreach.mailbox.classify.forwarded import forwarded_report
from outreach.mailbox.classify.model import Bounce, BounceReason, FailedRecipient
from outreach.mailbox.classify.original import (
    original_envelope_recipient,
    original_message_id,
    original_references,
    original_to,
)
from outreach.mailbox.classify.rules import Rules
from outreach.mailbox.classify.ses_notice import ses_notice

_NOT_FAILED = frozenset({"delivered", "deliverable", "relayed", "expanded"})
_STANDARD_ACTIONS = frozenset({"failed", "delayed", *_NOT_FAILED})
_REASON_TEXT_LIMIT = 6_000


@dataclass(frozen=True)
class BounceVerdict:
    """Outcome of bounce detection: a bounce, a success-only DSN, or nothing."""

    bounce: Bounce | None
    evidence: str
    delivered_dsn: bool = False


def detect_bounce(msg: Message, rules: Rules, our_addresses: Collection[str]) -> BounceVerdict:
    """Decide whether ``msg`` reports a failed delivery, and for whom (a report forwarded
    by a person included)."""
    verdict = _detect(msg, rules, our_addresses)
    if verdict.bounce is not None or verdict.delivered_dsn:
        return verdict
    inner = forwarded_report(msg, rules)
    if inner is None:
        return verdict
    forwarded = _detect(inner, rules, our_addresses)
    if forwarded.bounce is None:
        return verdict
    return BounceVerdict(forwarded.bounce, f"forwarded report: {forwarded.evidence}")


def _detect(msg: Message, rules: Rules, our_addresses: Collection[str]) -> BounceVerdict:
    report = report_text(msg)
    verdict = _verdict(msg, report, rules, our_addresses)
    if verdict.bounce is None:
        return verdict
    ids = original_references(msg, report)
    if verdict.bounce.original_message_id:
        ids = tuple(dict.fromkeys([verdict.bounce.original_message_id, *ids]))
    return replace(verdict, bounce=replace(verdict.bounce, original_references=ids))


def _verdict(
    msg: Message, report: str, rules: Rules, our_addresses: Collection[str]
) -> BounceVerdict:
    if dsn.is_delivery_report(msg):
        return _from_dsn(msg, report, rules, our_addresses)
    if (notice := ses_notice(msg, rules)) is not None:
        return BounceVerdict(notice, "Amazon SES bounce notification (JSON)")
    clues = bounce_clues(msg, report, rules)
    if not clues.is_bounce:
        return BounceVerdict(None, "")
    return BounceVerdict(_heuristic_bounce(msg, report, rules, our_addresses), clues.evidence)


def _from_dsn(
    msg: Message, report: str, rules: Rules, our_addresses: Collection[str]
) -> BounceVerdict:
    blocks = dsn.dsn_recipients(msg)
    failed = [block for block in blocks if not _succeeded(block)]
    if blocks and not failed:
        return BounceVerdict(None, "delivery report without failures", delivered_dsn=True)
    if not failed:
        return BounceVerdict(_heuristic_bounce(msg, report, rules, our_addresses), "DSN part")
    head = report_head(report)[:_REASON_TEXT_LIMIT]
    delay = delay_evidence(msg, head, rules)
    recipients = _dsn_recipients(failed, head, rules, delay is not None)
    recipients = _addressed(recipients, msg, report, rules, our_addresses)
    bounce = Bounce(recipients, original_message_id(msg, report), standard=True)
    evidence = "RFC 3464 delivery status notification"
    return BounceVerdict(bounce, f"{evidence}; {delay}" if delay and not bounce.final else evidence)


def _addressed(
    recipients: tuple[FailedRecipient, ...],
    msg: Message,
    report: str,
    rules: Rules,
    our_addresses: Collection[str],
) -> tuple[FailedRecipient, ...]:
    """DSN blocks whose recipient fields hold no address (``rfc822; @host``, a mailbox
    path, ``LOCAL; user``) take the failed addresses the rest of the report names, when
    there are as many of those as such blocks."""
    missing = [r for r in recipients if not r.address and not r.original_address]
    if not missing:
        return recipients
    found = [a for a in _failed_addresses(msg, report, our_addresses, rules) if a]
    named = {a for r in recipients for a in (r.address, r.original_address) if a}
    found = [a for a in found if a not in named]
    if len(found) != len(missing):
        return recipients
    fill = iter(found)
    return tuple(
        replace(r, address=next(fill)) if not r.address and not r.original_address else r
        for r in recipients
    )


def _succeeded(block: dsn.DsnRecipient) -> bool:
    """Delivered, relayed or expanded: a success notice for this recipient."""
    return block.action in _NOT_FAILED or (block.status or "").startswith("2.")


def _dsn_recipients(
    blocks: list[dsn.DsnRecipient], head: str, rules: Rules, delayed: bool
) -> tuple[FailedRecipient, ...]:
    """Each block judged with the report text about its own address. A block without an
    ``Action`` (or with a non-standard one) in a delay warning is delayed: the fields of
    the report outrank its wording only when they say what happened."""
    addresses: list[str | None] = [block.address for block in blocks]
    return tuple(
        _dsn_recipient(block, segment(head, block.address, addresses), rules, delayed)
        for block in blocks
    )


def _dsn_recipient(
    block: dsn.DsnRecipient, context: str, rules: Rules, delayed: bool
) -> FailedRecipient:
    diagnostic = block.diagnostic or ""
    action = block.action
    if delayed and action not in _STANDARD_ACTIONS and not (block.status or "").startswith("5."):
        action = "delayed"
    reason = bounce_reason(block.status, diagnostic or context, action, rules, context)
    original = block.original_recipient
    return FailedRecipient(
        address=block.address,
        status=block.status,
        action=action,
        diagnostic=block.diagnostic,
        reason=reason,
        original_address=original if original != block.address else None,
    )


def _heuristic_bounce(
    msg: Message, report: str, rules: Rules, our_addresses: Collection[str]
) -> Bounce:
    head = report_head(report)[:_REASON_TEXT_LIMIT]
    delayed = delay_evidence(msg, head, rules) is not None
    inline = dsn.recipients_from_blocks(dsn.parse_field_blocks(head))
    if inline:
        recipients = _dsn_recipients(inline, head, rules, delayed)
        return Bounce(recipients, original_message_id(msg, report))
    addresses = _failed_addresses(msg, report, our_addresses, rules) or [None]
    recipients = tuple(
        _text_recipient(head, address, addresses, rules, delayed) for address in addresses
    )
    return Bounce(recipients, original_message_id(msg, report))


def _text_recipient(
    head: str, address: str | None, addresses: list[str | None], rules: Rules, delayed: bool
) -> FailedRecipient:
    """A recipient of a non-standard bounce, judged on its own part of the report.
    In a delay warning only a permanent (5.x.x) status makes it a failure."""
    context = segment(head, address, addresses)
    status = body_status(context) or body_status(head)
    line = smtp_line(context) or smtp_line(head)
    if delayed and not (status or "").startswith("5."):
        return FailedRecipient(address, status, None, line, BounceReason.DELAYED)
    reason = bounce_reason(status, context, None, rules, context)
    return FailedRecipient(address, status, None, line, reason)


def segment(head: str, address: str | None, addresses: list[str | None]) -> str:
    """The report text about ``address``: from its mention to the next recipient's."""
    lowered = head.lower()
    start = lowered.find(address) if address and len(addresses) > 1 else -1
    if start < 0:
        return head
    ends = [lowered.find(other, start + 1) for other in addresses if other and other != address]
    end = min([e for e in ends if e > start], default=len(head))
    return head[start:end]


def _failed_addresses(
    msg: Message, report: str, our_addresses: Collection[str], rules: Rules
) -> list[str | None]:
    """The failed recipients of a report without DSN fields: X-Failed-Recipients, the
    report text, then the envelope recipient and the To of the returned copy."""
    exclude = _excluded(msg, our_addresses)
    envelope = original_envelope_recipient(msg, report)
    envelope = envelope if envelope not in exclude else None
    returned = [a for a in original_to(msg, report) if a not in exclude]
    known = [envelope, *returned] if envelope else returned
    for found in (
        [a for a in mime.addresses(msg, "X-Failed-Recipients") if a not in exclude],
        body_recipients(report, exclude, known, _reporting_domain(msg, rules)),
        [envelope] if envelope else [],
        returned,
    ):
        if found:
            return list(found)
    lone = lone_address(report, exclude)
    return [lone] if lone else []


def _reporting_domain(msg: Message, rules: Rules) -> str | None:
    """The domain of a mailer daemon or postmaster that sent the report, if one did."""
    name, address = mime.from_address(msg)
    if not rules.bounce_senders.search(address) or "@" not in address:
        return None
    return address.rpartition("@")[2].lower() or None


def _excluded(msg: Message, our_addresses: Collection[str]) -> set[str]:
    """Our own addresses and those of the bounce's sender and addressees. X-Original-To
    counts only where our delivery wrote it, above the topmost Received field (trace
    fields are prepended, RFC 5321 4.4): one further down came with the report from the
    failing system, which may name the failed address there."""
    ours = {address.lower() for address in our_addresses}
    for name in ("From", "To", "Cc", "Delivered-To", "Sender"):
        ours.update(mime.addresses(msg, name))
    ours.update(_delivered_original_to(msg))
    return ours


def _delivered_original_to(msg: Message) -> list[str]:
    """The addresses of the X-Original-To fields above the topmost Received field."""
    found: list[str] = []
    for name, value in mime.header_items(msg):
        lowered = name.lower()
        if lowered == "received":
            break
        if lowered == "x-original-to":
            found.extend(address.lower() for _, address in getaddresses([value]) if "@" in address)
    return found
