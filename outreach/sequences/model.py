"""The parsed sequence: frozen, plain values the planner and the engine work with.

Built by the loader from YAML (or from a snapshot); never hand-assembled by users.
Weekdays are ``datetime.weekday()`` numbers (Monday = 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Literal

AutoReplyPolicy = Literal["ignore", "stop", "pause"]
"""What an out-of-office reply does: nothing, stop the prospect, or pause until it returns."""
NotNowPolicy = Literal["stop", "resume"]
"""What a "not now" reply does: end the follow-ups, or pause them until the day it names."""
ReferralPolicy = Literal["ignore", "propose"]
"""What a reply naming the person responsible does besides stopping: nothing, or propose
that person as a new prospect (enrolled when the rep confirms)."""
NOT_NOW_DEFAULT = timedelta(days=90)
TaskKind = Literal["call", "linkedin", "custom"]
"""What a person does for a task step (the tool reminds and records; it automates nothing)."""
TaskOutcome = Literal["reached", "no_answer", "skipped"]
"""How a task ended: the person was reached, was not, or the task was not done."""
ConditionKind = Literal["no_reply", "auto_reply", "intent", "task"]
"""What a step's ``when:`` looks at."""
TASK_OUTCOMES: tuple[str, ...] = ("reached", "no_answer", "skipped")
TASK_KINDS: tuple[str, ...] = ("call", "linkedin", "custom")
DUE_WITHIN_DEFAULT_DAYS = 2


@dataclass(frozen=True)
class Schedule:
    """When mail may leave, in the prospect's timezone (``timezone`` when it has none)."""

    timezone: str
    """IANA name used for prospects without a timezone of their own."""
    days: frozenset[int]
    """Weekdays on which mail may leave (Monday = 0 … Sunday = 6)."""
    start: time
    """Start of the sending window (inclusive)."""
    end: time
    """End of the sending window (exclusive); midnight at the end of the day is ``time.max``."""
    lunch: tuple[time, time] | None = None
    """Optional pause inside the window, as (start inclusive, end exclusive)."""

    def is_open(self, local: time) -> bool:
        """Whether mail may leave at this local wall-clock time (weekday not considered)."""
        in_window = self.start <= local and (local < self.end or self.end == time.max)
        return in_window and (self.lunch is None or not self.lunch[0] <= local < self.lunch[1])


@dataclass(frozen=True)
class Pace:
    """How fast one mailbox sends."""

    daily_cap: int
    """Most messages (first emails and follow-ups) per mailbox per day."""
    gap_min: timedelta
    """Shortest random pause between two sends from one mailbox."""
    gap_max: timedelta
    """Longest random pause between two sends from one mailbox."""
    per_domain_hourly: int | None = None
    """Most sends per hour from one mailbox to one recipient domain; None = no limit."""


@dataclass(frozen=True)
class StopPolicy:
    """What halts a prospect's remaining follow-ups."""

    on_reply: bool
    """Stop when the prospect replies."""
    on_company_reply: bool
    """Stop when anyone at the prospect's (non-freemail) domain replies."""
    on_auto_reply: AutoReplyPolicy
    """What an auto-reply (out of office) does."""
    not_now: NotNowPolicy = "stop"
    """What a reply meaning "not now" does."""
    not_now_default: timedelta = NOT_NOW_DEFAULT
    """How long ``not_now: resume`` pauses when the reply names no day."""
    referral: ReferralPolicy = "ignore"
    """What a reply naming someone else does (besides stopping, as any reply)."""


@dataclass(frozen=True)
class Wait:
    """Delay before a step, counted from the previous step's send."""

    amount: timedelta = timedelta(0)
    """A plain duration (zero when ``business_days`` is used)."""
    business_days: int = 0
    """Business days (Mon–Fri) to wait instead of a plain duration."""

    @property
    def is_zero(self) -> bool:
        """True when there is no delay at all."""
        return self.business_days == 0 and self.amount == timedelta(0)


@dataclass(frozen=True)
class Variant:
    """One version of a step's message (a step without A/B testing has exactly one)."""

    subject: str | None
    """Subject template; None = a reply in the thread ("Re: …")."""
    body: str
    """Plain-text body template (Jinja2 + spintax)."""
    html: str | None = None
    """Optional HTML alternative body template."""


@dataclass(frozen=True)
class Condition:
    """When a step goes ahead, evaluated as it falls due (else it is skipped, with an event).

    ``no_reply``: the prospect has not replied (a "not now" that paused the sequence
    aside); ``auto_reply``: an out-of-office came since the previous step; ``intent``
    (``value`` ``not_now``): the sequence was resumed after a "not now" reply; ``task``
    (``value`` an outcome): the last task before this step ended so.
    """

    kind: ConditionKind
    value: str | None = None

    def describe(self) -> str:
        """``no_reply``, ``intent: not_now``, ``task: no_answer`` (as written in YAML)."""
        return self.kind if self.value is None else f"{self.kind}: {self.value}"


@dataclass(frozen=True)
class Task:
    """A step a person does (a call, a LinkedIn visit or message, a custom to-do)."""

    kind: TaskKind
    note: str
    """Template of what to do (merge fields like an email body), shown to the rep."""
    due_within: Wait = Wait(business_days=DUE_WITHIN_DEFAULT_DAYS)
    """How long after it falls due the task may wait for the rep; then it is skipped."""
    continue_on_reply: bool = False
    """``on_reply: continue``: a reply does not cancel this task once queued."""


@dataclass(frozen=True)
class Step:
    """One message of the sequence: the first email or a follow-up."""

    index: int
    """Position in the sequence, 0 = first email."""
    wait: Wait
    """Delay after the previous step (zero for the first step)."""
    variants: tuple[Variant, ...]
    """At least one; each prospect gets one, chosen stably (``choose_variant``)."""
    new_thread: bool
    """True when this step starts a thread (the first email always) and so has a subject."""
    task: Task | None = None
    """For a task step (no email; ``variants`` is empty): what the rep does."""
    when: Condition | None = None
    """The step goes ahead only when this holds; None = always (for an email: while the
    stop policy lets the enrollment live, i.e. no reply with ``on_reply: true``)."""

    @property
    def is_task(self) -> bool:
        """True for a call, LinkedIn or custom task (no email is sent)."""
        return self.task is not None


@dataclass(frozen=True)
class Sequence:
    """A whole outreach sequence as written in one YAML file."""

    name: str
    """Human name of the sequence."""
    schedule: Schedule
    """When mail may leave."""
    pace: Pace
    """How fast one mailbox sends."""
    stop: StopPolicy
    """What halts follow-ups."""
    steps: tuple[Step, ...]
    """The first email and its follow-ups, in order."""
    unsubscribe_header: bool = False
    """Whether each message carries ``List-Unsubscribe`` (see the YAML field's doc)."""
