"""Routing: what the sandbox does with each accepted message, like the MTAs of a tiny internet.

For each recipient of a message submitted over SMTP:

* a persona receives it and maybe answers later (or bounces it);
* a sandbox user gets it in INBOX;
* an unknown user at a sandbox domain makes a DSN bounce for the sender;
* any other address is "relayed out": accepted and recorded, delivered nowhere.

Answers are delayed with the loop's ``call_later``, never by blocking. Everything here runs
on the sandbox's event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import format_datetime
from typing import Any

from .dsn import build_dsn, unknown_user_diagnostic
from .imap import MailStore
from .personas import Behaviour, Persona, auto_reply, human_reply, reply_address, unsubscribe_reply

__all__ = ["PostOffice", "RcptFault", "RelayedMessage"]

_log = logging.getLogger(__name__)

#: How far ahead an out-of-office persona says it is back.
AUTO_REPLY_ABSENCE = dt.timedelta(days=14)


@dataclass(frozen=True)
class RcptFault:
    """An SMTP reply the sandbox gives at RCPT time for one address (a server fault)."""

    code: int
    text: str

    @property
    def reply(self) -> str:
        """The full SMTP reply line."""
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class RelayedMessage:
    """A message accepted for an address outside the sandbox (delivered nowhere)."""

    mail_from: str
    recipient: str
    raw: bytes


def default_fault(address: str, code: int) -> RcptFault:
    """The usual Postfix wording for a rejected (5xx) or deferred (4xx) recipient."""
    if code >= 500:
        return RcptFault(code, f"5.1.1 <{address}>: Recipient address rejected: User unknown")
    return RcptFault(code, f"4.3.0 <{address}>: Temporary lookup failure, try again later")


class PostOffice:
    """Delivers into a :class:`MailStore` and plays the personas."""

    def __init__(self, store: MailStore, hostname: str) -> None:
        self.store = store
        self.hostname = hostname
        self.domains: set[str] = set()
        self.personas: dict[str, Persona] = {}
        self.faults: dict[str, RcptFault] = {}
        self.relayed: list[RelayedMessage] = []
        self._received: Counter[str] = Counter()
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def rcpt_reply(self, address: str) -> str:
        """The SMTP reply to ``RCPT TO:<address>``."""
        fault = self.faults.get(_key(address))
        return fault.reply if fault else "250 2.1.5 Ok"

    async def submit(self, mail_from: str, recipients: list[str], raw: bytes) -> None:
        """Route a message the SMTP side accepted to each of its recipients."""
        for recipient in recipients:
            await self._route(mail_from, _key(recipient), raw)

    async def deliver(
        self, address: str, raw: bytes, *, return_path: str, folder: str = "INBOX"
    ) -> None:
        """Store ``raw`` for ``address`` with the trace headers a delivering MTA adds."""
        await self.store.append(_key(address), folder, self._traced(address, raw, return_path))

    def cancel_pending(self) -> None:
        """Forget answers not yet sent (the sandbox is stopping)."""
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        self._timers.clear()

    async def _route(self, mail_from: str, recipient: str, raw: bytes) -> None:
        persona = self.personas.get(recipient)
        if persona is not None:
            await self._receive_as_persona(persona, mail_from, raw)
        elif self.store.has_user(recipient):
            await self.deliver(recipient, raw, return_path=mail_from)
        elif recipient.rpartition("@")[2] in self.domains:
            await self._bounce(mail_from, recipient, raw)
        else:
            self.relayed.append(RelayedMessage(mail_from, recipient, raw))

    async def _receive_as_persona(self, persona: Persona, mail_from: str, raw: bytes) -> None:
        self._received[persona.address] += 1
        reacts = persona.reacts_to(self._received[persona.address])
        if reacts and persona.behaviour is Behaviour.BOUNCE:
            self._later(persona.delay, lambda: self._bounce(mail_from, persona.address, raw))
            return
        await self.deliver(persona.address, raw, return_path=mail_from)
        if reacts and persona.behaviour is not Behaviour.SILENT:
            self._later(persona.delay, lambda: self._answer(persona, mail_from, raw))

    async def _bounce(self, mail_from: str, recipient: str, raw: bytes) -> None:
        if not mail_from or not self.store.has_user(_key(mail_from)):
            _log.info(
                "bounce for %s dropped: sender %r has no sandbox mailbox", recipient, mail_from
            )
            return
        report = build_dsn(
            raw,
            recipient=recipient,
            sender=mail_from,
            reporting_mta=self.hostname,
            now=_now(),
            diagnostic=unknown_user_diagnostic(recipient),
        )
        await self.deliver(mail_from, _as_bytes(report), return_path="")

    async def _answer(self, persona: Persona, mail_from: str, raw: bytes) -> None:
        answer, target, sender = self._compose(persona, mail_from, _parse(raw))
        if not target or not self.store.has_user(_key(target)):
            _log.info("answer from %s dropped: %r has no sandbox mailbox", persona.address, target)
            return
        await self.deliver(target, _as_bytes(answer), return_path=sender)

    @staticmethod
    def _compose(
        persona: Persona, mail_from: str, original: EmailMessage
    ) -> tuple[EmailMessage, str | None, str]:
        """The answer, where it goes and its envelope sender."""
        if persona.behaviour is Behaviour.AUTO_REPLY:
            # RFC 3834: automatic answers go to the envelope sender, with a null sender.
            back_on = (_now() + AUTO_REPLY_ABSENCE).date()
            return auto_reply(original, persona, _now(), back_on), mail_from, ""
        build = human_reply if persona.behaviour is Behaviour.REPLY else unsubscribe_reply
        return build(original, persona, _now()), reply_address(original), persona.address

    def _later(self, delay: float, answer: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``answer()`` after ``delay`` seconds; the coroutine is made only then."""
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(timer)
            task = loop.create_task(answer())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    def _traced(self, address: str, raw: bytes, return_path: str) -> bytes:
        trace = (
            f"Return-Path: <{return_path}>\r\n"
            f"Delivered-To: {address}\r\n"
            f"Received: from localhost (localhost [127.0.0.1])\r\n"
            f"\tby {self.hostname} (outreach sandbox) for <{address}>;\r\n"
            f"\t{format_datetime(_now())}\r\n"
        )
        return trace.encode("ascii") + raw


def _key(address: str) -> str:
    """Addresses are matched case-insensitively, as users expect."""
    return address.strip().lower()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    return message


def _as_bytes(message: Message) -> bytes:
    return message.as_bytes(policy=policy.SMTP)
