"""Helpers for the watcher tests and benchmarks (no tests here): run the engine and the
watcher together, read enrollment states, write replies."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach import accounts
from outreach.engine.config import EngineConfig
from outreach.mailbox.account import make_endpoint
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Enrollment, InboundMessage, Prospect, Send, utcnow
from outreach.watcher import Watcher, WatcherConfig
from tests.fixtures.campaigns import add_prospects, start_campaign
from tests.fixtures.mailstack import MailStack
from tests.polling import still_running, until

T = TypeVar("T")


def fast_watcher_config(**overrides: object) -> WatcherConfig:
    values: dict[str, object] = {"poll_interval": 0.5, "idle_poll_interval": 0.5,
                                 "reconnect_min": 0.2, "reconnect_max": 1.0}
    values.update(overrides)
    return WatcherConfig(**values)  # type: ignore[arg-type]


class Services:
    """The engine (with the watcher as its inbox check) and the watcher, running."""

    def __init__(self, db: Engine, engine_config: EngineConfig, watcher: Watcher) -> None:
        self.engine = send_engine(db, engine_config, inbox_check=watcher)
        self.watcher = watcher
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Services:
        self.tasks = [
            asyncio.create_task(self.engine.run(), name="engine"),
            asyncio.create_task(self.watcher.run(), name="watcher"),
        ]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.engine.stop()
        self.watcher.stop()
        await asyncio.wait_for(asyncio.gather(*self.tasks), 15)

    async def until(
        self,
        probe: Callable[[], T],
        deadline: float = 30.0,
        *,
        what: str,
        ok: Callable[[T], object] = bool,
        step: float = 0.02,
    ) -> T:
        """``tests.polling.until`` that also fails when the engine or the watcher crashed."""
        guard = still_running(*self.tasks)
        return await until(probe, deadline, what=what, ok=ok, guard=guard, step=step)


async def run_both_until(
    db: Engine,
    probe: Callable[[], T],
    *,
    what: str,
    engine_config: EngineConfig,
    watcher: Watcher,
    deadline: float = 30.0,
) -> T:
    """Run the engine and the watcher until ``probe()`` holds."""
    async with Services(db, engine_config, watcher) as services:
        return await services.until(probe, deadline, what=what)


def states(db: Engine) -> dict[str, tuple[str, str | None]]:
    """Prospect address → (enrollment state, reason)."""
    with Session(db) as session:
        rows = session.exec(
            select(Prospect.email, Enrollment.state, Enrollment.reason).join(
                Enrollment, col(Enrollment.prospect_id) == col(Prospect.id)
            )
        ).all()
    return {email: (state, reason) for email, state, reason in rows}


def enrollment_of(db: Engine, email: str) -> Enrollment:
    with Session(db) as session:
        return session.exec(
            select(Enrollment)
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .where(Prospect.email == email)
        ).one()


def sends_to(db: Engine, email: str, state: str = "sent") -> list[Send]:
    with Session(db) as session:
        return list(
            session.exec(
                select(Send)
                .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
                .where(Prospect.email == email, Send.state == state)
                .order_by(col(Send.step_index))
            )
        )


def inbound_rows(db: Engine) -> list[InboundMessage]:
    with Session(db) as session:
        return list(session.exec(select(InboundMessage).order_by(col(InboundMessage.id))))


def reply_to(
    sender: str,
    recipient: str,
    *,
    in_reply_to: str | None = None,
    text: str = "Thanks, that sounds interesting. Can we talk on Tuesday?",
    subject: str = "Re: Hello",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A person's answer (threaded when ``in_reply_to`` is given)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(f"{text}\n\n> Hi, step one.\n")
    return message


def out_of_office(sender: str, recipient: str, in_reply_to: str, back: str) -> EmailMessage:
    """An RFC 3834 automatic answer naming the day the person is back (``back``)."""
    return reply_to(
        sender,
        recipient,
        in_reply_to=in_reply_to,
        subject="Out of Office: Hello",
        text=f"Thank you for your message. I am out of the office until {back} "
        "with no access to email.",
        headers={"Auto-Submitted": "auto-replied"},
    )


BENCH_SEQUENCE = """\
name: watcher bench
schedule: {{timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}}
pace: {{daily_cap: 100000, gap: 0s}}
stop: {{on_reply: true, on_company_reply: false, on_auto_reply: false}}
steps:
  - subject: "Hello {{{{ first_name }}}}"
    body: Hi {{{{ first_name }}}}, step one.
  - wait: {wait}
    body: Hi {{{{ first_name }}}}, step two.
"""


def stack_campaign(
    stack: MailStack, home: Path, prospects: list[str], *, wait: str = "1h", name: str = "bench"
) -> tuple[Engine, str]:
    """A fresh rep on the stack (password via a command: no keyring) and a started
    two-step campaign without company stop to ``prospects``."""
    rep = f"{unique_local('rep')}@sales.test"
    stack.add_user(rep, "rep-secret")
    db = open_store()
    new = accounts.NewMailbox(
        email=rep,
        smtp=make_endpoint("smtp", stack.host, stack.smtp_port, "starttls"),
        imap=make_endpoint("imap", stack.host, stack.imaps_port, "tls"),
        daily_cap=100000,
        insecure_skip_verify=True,
        password_command="printf %s rep-secret",
    )
    accounts.add_mailbox(db, new, None)
    add_prospects(db, prospects)
    sequence = home / f"{name}.yaml"
    sequence.write_text(BENCH_SEQUENCE.format(wait=wait))
    start_campaign(db, name, sequence, [rep])
    return db, rep


def unique_local(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def later(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)
