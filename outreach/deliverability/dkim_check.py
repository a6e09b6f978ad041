"""DKIM: verify the signature(s) on the newest message a mailbox sent.

The message comes from the mailbox's Sent folder over IMAP; the selector and domain come
from its real ``DKIM-Signature`` header (nothing is guessed); the public key is fetched
through our resolver via dkimpy's ``dnsfunc`` hook.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable
from dataclasses import dataclass

import dkim
import dns.resolver
from imapclient import IMAPClient

from outreach.deliverability.dns import DnsFailure, txt_strings
from outreach.i18n import _
from outreach.mailbox.connect import find_sent_folder


@dataclass(frozen=True)
class DkimSignature:
    """One ``DKIM-Signature`` of a message and whether it verified."""

    domain: str
    selector: str
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class SentMessage:
    """The newest message in the Sent folder (raw bytes) and where it was found."""

    folder: str
    raw: bytes
    subject: str


def newest_sent_message(client: IMAPClient, address: str, folder: str | None) -> SentMessage | None:
    """The newest message from ``address`` in the Sent folder (``folder`` or SPECIAL-USE)."""
    folder = folder or find_sent_folder(client)
    if folder is None:
        return None
    client.select_folder(folder, readonly=True)
    uids = client.search(["FROM", address]) or client.search("ALL")
    if not uids:
        return None
    data = client.fetch([max(uids)], ["BODY.PEEK[]"])
    raw = bytes(next(iter(data.values()))[b"BODY[]"])
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return SentMessage(folder, raw, str(message.get("Subject", "")))


def verify_signatures(raw: bytes, resolver: dns.resolver.Resolver) -> list[DkimSignature]:
    """Every DKIM signature on ``raw``, verified with keys fetched through ``resolver``."""
    count = sum(1 for line in _header_names(raw) if line == "dkim-signature")
    return [_verify_one(raw, index, resolver) for index in range(count)]


def _header_names(raw: bytes) -> list[str]:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [name.lower() for name in message.keys()]


def _verify_one(raw: bytes, index: int, resolver: dns.resolver.Resolver) -> DkimSignature:
    errors = _ErrorLog()
    verifier = dkim.DKIM(raw, logger=errors.logger)
    try:
        ok = bool(verifier.verify(idx=index, dnsfunc=_key_lookup(resolver)))
    except dkim.DKIMException as exc:
        ok = False
        errors.messages.append(str(exc))
    domain = _text(getattr(verifier, "domain", b""))
    selector = _text(getattr(verifier, "selector", b""))
    return DkimSignature(domain, selector, ok, "" if ok else errors.summary())


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value or ""


def _key_lookup(resolver: dns.resolver.Resolver) -> Callable[..., bytes | None]:
    """dkimpy's ``dnsfunc(name: bytes, timeout) -> bytes | None`` over our resolver."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            records = txt_strings(resolver, name.decode("ascii").rstrip("."))
        except DnsFailure as exc:
            raise dkim.DnsTimeoutError(str(exc)) from None
        return records[0].encode() if records else None

    return lookup


class _ErrorLog:
    """Collects what dkimpy logs while verifying (its only way of saying why it failed)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.logger = logging.Logger("outreach.dkim", level=logging.INFO)
        self.logger.addHandler(_Collect(self.messages))

    def summary(self) -> str:
        return "; ".join(self.messages) or _(
            "the signature does not match: the message changed after signing, or the "
            "published key is not the one that signed")


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())
