"""What a classified, matched message does to the sequences (pure: a tuple of actions).

The actions are applied by :mod:`outreach.watcher.effects`; ``outreach inbox scan``
only prints them. Nothing is decided for a message that matched no enrollment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.mailbox.classify import Classification, Kind
from outreach.sequences import StopPolicy
from outreach.watcher.config import WatcherConfig
from outreach.watcher.matching import EnrollmentRef


@dataclass(frozen=True)
class Target:
    """An enrollment a message may act on, with the policy and counters that decide how."""

    ref: EnrollmentRef
    stop: StopPolicy
    soft_bounces: int
    zone: ZoneInfo
    """The prospect's timezone: a pause ends at the start of a day there."""


@dataclass(frozen=True)
class End:
    """The enrollment stops for good; its queued sends are cancelled."""

    enrollment_id: int
    state: str  # replied | stopped | bounced | unsubscribed
    reason: str

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id} → {self.state} ({self.reason})"


@dataclass(frozen=True)
class Pause:
    """The enrollment waits until ``resume_at`` (its queued sends move there too)."""

    enrollment_id: int
    resume_at: datetime

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id} → paused until {self.resume_at:%Y-%m-%d %H:%M}Z"


@dataclass(frozen=True)
class SoftBounce:
    """One more temporary delivery failure for the enrollment."""

    enrollment_id: int
    count: int

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id}: soft bounce #{self.count}"


@dataclass(frozen=True)
class Suppress:
    """Never write to this address again."""

    value: str
    reason: str  # bounce | unsubscribe
    source: str

    def __str__(self) -> str:
        return f"suppress {self.value} ({self.reason})"


@dataclass(frozen=True)
class CheckBounceRate:
    """Pause the campaign when its recent bounce rate is too high."""

    campaign_id: int

    def __str__(self) -> str:
        return f"check the bounce rate of campaign {self.campaign_id}"


Action = End | Pause | SoftBounce | Suppress | CheckBounceRate


@dataclass(frozen=True)
class Situation:
    """Everything a decision looks at besides the classification."""

    sender: str | None
    target: Target | None
    """The enrollment the message is about (None for a company match or no match)."""
    colleagues: Sequence[Target] = ()
    """Other live enrollments at the same company domain (company stop candidates)."""


def decide(
    result: Classification, situation: Situation, config: WatcherConfig, now: datetime
) -> tuple[Action, ...]:
    """The actions a message causes; empty when it changes nothing."""
    if result.kind is Kind.REPLY:
        return _reply(situation)
    if result.kind is Kind.UNSUBSCRIBE:
        return _unsubscribe(situation)
    if result.kind is Kind.BOUNCE:
        return _bounce(result, situation.target, config)
    if result.kind is Kind.AUTO_REPLY:
        return _auto_reply(result, situation.target, config, now)
    return ()


def _reply(situation: Situation) -> tuple[Action, ...]:
    target = situation.target
    actions: list[Action] = []
    if target is not None and target.ref.live and target.stop.on_reply:
        actions.append(End(target.ref.id, "replied", "reply"))
    return (*actions, *_company_stop(situation))


def _company_stop(situation: Situation) -> tuple[Action, ...]:
    """Someone at the company answered: stop their colleagues where the policy says so."""
    return tuple(
        End(other.ref.id, "stopped", "company_reply")
        for other in situation.colleagues
        if other.ref.live and other.stop.on_company_reply
    )


def _unsubscribe(situation: Situation) -> tuple[Action, ...]:
    target, sender = situation.target, situation.sender
    actions: list[Action] = []
    if sender:
        actions.append(Suppress(sender, "unsubscribe", "unsubscribe request"))
    if target is not None:
        if target.ref.email != sender:
            actions.append(Suppress(target.ref.email, "unsubscribe", "unsubscribe request"))
        if target.ref.live:
            actions.append(End(target.ref.id, "unsubscribed", "unsubscribe"))
    return (*actions, *_company_stop(situation))


def _bounce(
    result: Classification, target: Target | None, config: WatcherConfig
) -> tuple[Action, ...]:
    bounce = result.bounce
    if bounce is None or target is None or not bounce.final:
        return ()  # a delay warning: the server still tries
    reason = " ".join(part for part in (bounce.status, bounce.recipients[0].reason.value) if part)
    if bounce.hard:
        return _bounced(target, f"hard bounce {reason}")
    if not target.ref.live:
        return ()
    count = target.soft_bounces + 1
    if count < config.soft_bounce_limit:
        return (SoftBounce(target.ref.id, count),)
    return (SoftBounce(target.ref.id, count), *_bounced(target, f"soft bounce #{count} {reason}"))


def _bounced(target: Target, reason: str) -> tuple[Action, ...]:
    suppress = Suppress(target.ref.email, "bounce", reason)
    if not target.ref.live:
        return (suppress,)
    end = End(target.ref.id, "bounced", reason)
    return (end, suppress, CheckBounceRate(target.ref.campaign_id))


def _auto_reply(
    result: Classification, target: Target | None, config: WatcherConfig, now: datetime
) -> tuple[Action, ...]:
    if target is None or not target.ref.live:
        return ()
    policy = target.stop.on_auto_reply
    if policy == "stop":
        return (End(target.ref.id, "stopped", "auto_reply"),)
    if policy == "pause":
        back = result.auto_reply.return_date if result.auto_reply else None
        return (Pause(target.ref.id, resume_time(back, target.zone, config, now)),)
    return ()


def resume_time(
    back: date | None, zone: ZoneInfo, config: WatcherConfig, now: datetime
) -> datetime:
    """Start of the day after the stated return date (prospect's time), within limits;
    ``auto_reply_pause`` from now when no usable date was stated."""
    fallback = now + config.auto_reply_pause
    if back is None:
        return fallback
    day_after = datetime.combine(back + timedelta(days=1), time(0), zone)
    if day_after <= now:
        return fallback
    return min(day_after, now + config.max_auto_reply_pause)
