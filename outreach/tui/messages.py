"""Messages between the engine host, the app and the screens (named for what happened).

The engine host turns the engine's and the watcher's ``(kind, info)`` reports into these;
the app forwards them to the visible screen, which re-reads what it shows. They do not
bubble (a forwarded copy must not come back to the app).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from outreach.views.presence import EnginePresence


@dataclass
class StepSent(Message, bubble=False):
    """The engine sent one step of a sequence."""

    to: str
    step: int
    """1-based step number."""
    mailbox: str
    subject: str | None = None


@dataclass
class ReplyDetected(Message, bubble=False):
    """The watcher saw a person's reply (follow-ups halted)."""

    sender: str
    subject: str
    mailbox: str


@dataclass
class InboundClassified(Message, bubble=False):
    """The watcher handled an auto-reply, bounce, opt-out or other message."""

    kind: str
    sender: str
    subject: str
    actions: list[str] = field(default_factory=list)


@dataclass
class EngineReported(Message, bubble=False):
    """Anything else the engine said: deferred, failed, mailbox paused or resumed …"""

    kind: str
    info: dict[str, object] = field(default_factory=dict)


@dataclass
class EngineStateChanged(Message, bubble=False):
    """The in-process engine started or stopped (or a daemon appeared)."""

    presence: EnginePresence
    error: str | None = None


@dataclass
class DataChanged(Message, bubble=False):
    """A command of this TUI changed what screens show (campaign paused, reply marked …)."""

    what: str


@dataclass
class InboxItemChosen(Message):
    """The user picked an inbound message elsewhere (the dashboard): show it in the Inbox."""

    inbound_id: int
