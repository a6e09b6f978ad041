"""What an inbound message does to the people we write to (pure: a tuple of actions).

The person is the unit: a reply, an opt-out or a hard bounce acts on every live
enrollment of the address (the one whose thread it concerns gets the outcome, the others
are ``stopped`` naming it); an auto-reply pauses or stops each of them as its campaign's
policy says; a company stop reaches live enrollments at the company's (non-freemail)
domain in every campaign with ``on_company_reply``. A reply's intent may turn its stop
into a pause (``not_now: resume``) and propose the person it names (``referral:
propose``); an intent that needs review acts as a plain reply. The actions are applied by
:func:`outreach.lifecycle.inbound.apply_actions`; ``outreach inbox scan`` only prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from outreach import wording
from outreach.i18n import _
from outreach.lifecycle.values import EnrollmentRef
from outreach.mailbox.classify import Classification, Kind
from outreach.mailbox.classify.intent import IntentResult
from outreach.sequences import StopPolicy
from outreach.states import ReplyIntent


class Limits(Protocol):
    """The settings the rules read (the watcher's configuration has them)."""

    @property
    def soft_bounce_limit(self) -> int: ...
    @property
    def auto_reply_pause(self) -> timedelta: ...
    @property
    def max_auto_reply_pause(self) -> timedelta: ...


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
        return _("enrollment {id} → {state}").format(
            id=self.enrollment_id, state=wording.state_with_reason(self.state, self.reason)
        )


@dataclass(frozen=True)
class Pause:
    """The enrollment waits until ``resume_at`` (its queued sends move there too)."""

    enrollment_id: int
    resume_at: datetime
    reason: str = "auto_reply"
    """``auto_reply`` (out of office) or ``not_now`` (the person asked for later)."""

    def __str__(self) -> str:
        until = f"{self.resume_at:%Y-%m-%d %H:%M}Z"
        return _("enrollment {id} → paused until {until} ({reason})").format(
            id=self.enrollment_id, until=until, reason=wording.reason(self.reason)
        )


@dataclass(frozen=True)
class ProposeReferral:
    """A reply named the person responsible: create them as a prospect (tagged, linked to
    the thread), to be enrolled in the thread's campaign once the rep confirms."""

    email: str
    enrollment_id: int
    """The enrollment whose thread named them."""
    campaign_id: int
    referred_by: str

    def __str__(self) -> str:
        return _("propose {email} (named by {by}) for campaign {campaign}").format(
            email=self.email, by=self.referred_by, campaign=self.campaign_id
        )


@dataclass(frozen=True)
class SoftBounce:
    """One more temporary delivery failure for the enrollment."""

    enrollment_id: int
    count: int

    def __str__(self) -> str:
        return _("enrollment {id}: soft bounce #{count}").format(
            id=self.enrollment_id, count=self.count
        )


@dataclass(frozen=True)
class Suppress:
    """Never write to this address again (its remaining live enrollments stop)."""

    value: str
    reason: str  # bounce | unsubscribe
    source: str

    def __str__(self) -> str:
        return _("suppress {value} ({reason})").format(
            value=self.value, reason=wording.reason(self.reason)
        )


@dataclass(frozen=True)
class CheckBounceRate:
    """Pause the campaign when its recent bounce rate is too high."""

    campaign_id: int

    def __str__(self) -> str:
        return _("check the bounce rate of campaign {campaign}").format(campaign=self.campaign_id)


Action = End | Pause | SoftBounce | Suppress | CheckBounceRate | ProposeReferral

REFERRAL_TAG = "referral"
"""The tag a proposed referral's prospect gets."""


@dataclass(frozen=True)
class Provenance:
    """How a message is tied to what we sent, and what vouches for its sender.

    The default is a message a person confirmed by hand (re-classified in the inbox).
    """

    tied: bool = True
    """It names a Message-ID we sent: In-Reply-To/References, or (a bounce) the returned
    original's headers."""
    auth_failures: tuple[str, ...] = ()
    """The provider's ``Authentication-Results`` failures for the From domain
    (``dmarc=fail``…)."""
    claimed: str | None = None
    """Matched only through an address its display name shows, not its sender's own."""


@dataclass(frozen=True)
class Situation:
    """Everything a decision looks at besides the classification."""

    sender: str | None
    target: Target | None
    """The enrollment the message is about (None for a company match or no match)."""
    colleagues: Sequence[Target] = ()
    """Live enrollments of other people at the same company domain (company stop
    candidates, in every campaign)."""
    person: Sequence[Target] | None = None
    """Every live enrollment of the target's person, the target's own among them (None:
    the target alone, when it is live)."""
    provenance: Provenance = Provenance()

    @property
    def people(self) -> Sequence[Target]:
        if self.person is not None:
            return self.person
        return (self.target,) if self.target is not None and self.target.ref.live else ()


def decide(
    result: Classification,
    situation: Situation,
    limits: Limits,
    now: datetime,
    intent: IntentResult | None = None,
) -> tuple[Action, ...]:
    """The actions a message causes; empty when it changes nothing or is held for review
    (see :func:`held_reason`). ``intent``: what a reply means (None: a plain reply)."""
    if held_reason(result, situation) is not None:
        return ()
    if result.kind is Kind.REPLY:
        return _reply(situation, _sure(intent), now)
    if result.kind is Kind.UNSUBSCRIBE:
        return _unsubscribe(situation)
    if result.kind is Kind.BOUNCE:
        return _bounce(result, situation, limits)
    if result.kind is Kind.AUTO_REPLY:
        return _auto_reply(result, situation, limits, now)
    return ()


def held_reason(result: Classification, situation: Situation) -> str | None:
    """Why a message must wait for a person instead of acting (None: it may act). Stored
    with the message, so English; :func:`outreach.wording.held` words it for the rep.

    Anyone can write "Undeliverable" or "unsubscribe" and put a prospect's address in it;
    only a message tied to one we sent proves it concerns that send. So a bounce acts only
    when tied; an answer that is not tied acts unless the provider says its sender failed
    authentication for the From domain, or only its display name claims the prospect.
    """
    origin = situation.provenance
    if origin.tied or result.kind is Kind.OTHER:
        return None
    if origin.claimed is not None:
        return f"display name claims {origin.claimed}; sent from {situation.sender or '?'}"
    if result.kind is Kind.BOUNCE:
        return "bounce not tied to a message we sent (no Message-ID of ours in it)"
    if origin.auth_failures:
        failed = ", ".join(origin.auth_failures)
        return f"sender not authenticated ({failed}) and not in a thread of ours"
    return None


def _person_ends(
    situation: Situation, state: str, reason: str, *, as_reply: bool = False
) -> list[Action]:
    """End the person's live enrollments: the target's as ``state``, the others stopped
    (``as_reply``: only in campaigns whose policy stops on a reply)."""
    target = situation.target
    where = f" in campaign {target.ref.campaign_name}" if target else ""
    actions: list[Action] = []
    for other in situation.people:
        if as_reply and not other.stop.on_reply:
            continue
        if target is not None and other.ref.id == target.ref.id:
            actions.append(End(other.ref.id, state, reason))
        else:
            actions.append(End(other.ref.id, "stopped", f"{state}{where}: {reason}"))
    return actions


def _sure(intent: IntentResult | None) -> IntentResult | None:
    """The intent when it may act: one that needs review acts as a plain reply."""
    return intent if intent is not None and not intent.needs_review else None


def _reply(
    situation: Situation, intent: IntentResult | None, now: datetime
) -> tuple[Action, ...]:
    ends = _person_ends(situation, "replied", "reply", as_reply=True)
    if intent is not None and intent.intent is ReplyIntent.NOT_NOW:
        ends = [_later(action, situation, intent, now) for action in ends]
    proposed = _referrals(situation, intent) if intent is not None else ()
    return (*ends, *proposed, *_company_stop(situation))


def _later(action: Action, situation: Situation, intent: IntentResult, now: datetime) -> Action:
    """A "not now" reply pauses, instead of ending, where the campaign says ``resume``."""
    if not isinstance(action, End):
        return action
    target = next((t for t in situation.people if t.ref.id == action.enrollment_id), None)
    if target is None or target.stop.not_now != "resume":
        return action
    return Pause(target.ref.id, not_now_until(intent.until, target, now), "not_now")


def not_now_until(day: date | None, target: Target, now: datetime) -> datetime:
    """The start of the day the person meant (their time); ``not_now_default`` from now
    when they named none, or one already past."""
    if day is not None:
        start = datetime.combine(day, time(0), target.zone)
        if start > now:
            return start
    return now + target.stop.not_now_default


def _referrals(situation: Situation, intent: IntentResult) -> tuple[Action, ...]:
    """Whom a referral names, proposed where the thread's campaign says ``propose``."""
    target = situation.target
    if intent.intent is not ReplyIntent.REFERRAL or target is None:
        return ()
    if target.stop.referral != "propose":
        return ()
    known = {target.ref.email, (situation.sender or "").lower()}
    referred_by = situation.sender or target.ref.email
    return tuple(
        ProposeReferral(email, target.ref.id, target.ref.campaign_id, referred_by)
        for email in dict.fromkeys(a.lower() for a in intent.referral)
        if email not in known
    )


def _company_stop(situation: Situation) -> tuple[Action, ...]:
    """Someone at the company answered: stop their colleagues where the policy says so."""
    return tuple(
        End(other.ref.id, "stopped", "company_reply")
        for other in situation.colleagues
        if other.ref.live and other.stop.on_company_reply
    )


def _unsubscribe(situation: Situation) -> tuple[Action, ...]:
    target, sender = situation.target, situation.sender
    actions: list[Action] = _person_ends(situation, "unsubscribed", "unsubscribe")
    if sender:
        actions.append(Suppress(sender, "unsubscribe", "unsubscribe request"))
    if target is not None and target.ref.email != sender:
        actions.append(Suppress(target.ref.email, "unsubscribe", "unsubscribe request"))
    return (*actions, *_company_stop(situation))


def _bounce(result: Classification, situation: Situation, limits: Limits) -> tuple[Action, ...]:
    """Whether or not the sequence still runs: a refusal or a hard bounce suppresses the
    address (``hard``), a soft one counts (a late one after the end too); a delay warning
    (not ``final``: the server still retries) does nothing."""
    bounce, target = result.bounce, situation.target
    if bounce is None or target is None or not bounce.final:
        return ()
    if bounce.refused:
        return _refused(situation, target, bounce.recipients[0].diagnostic)
    reason = " ".join(part for part in (bounce.status, bounce.recipients[0].reason.value) if part)
    if bounce.hard:
        return _bounced(situation, target, f"hard bounce {reason}")
    count = target.soft_bounces + 1
    if count < limits.soft_bounce_limit:
        return (SoftBounce(target.ref.id, count),)
    return (
        SoftBounce(target.ref.id, count),
        *_bounced(situation, target, f"soft bounce #{count} {reason}"),
    )


def _refused(situation: Situation, target: Target, said: str | None) -> tuple[Action, ...]:
    """The person refused our mail (Sieve ``reject``, a "deleted" disposition): like an
    opt-out, never a bounce (the bounce rate stays about deliverability)."""
    reason = "refused" + (f": {said[:120]}" if said else "")
    ends = _person_ends(situation, "unsubscribed", reason)
    return (*ends, Suppress(target.ref.email, "unsubscribe", reason))


def _bounced(situation: Situation, target: Target, reason: str) -> tuple[Action, ...]:
    ends = _person_ends(situation, "bounced", reason)
    suppress = Suppress(target.ref.email, "bounce", reason)
    check = [CheckBounceRate(target.ref.campaign_id)] if target.ref.live else []
    return (*ends, suppress, *check)


def _auto_reply(
    result: Classification, situation: Situation, limits: Limits, now: datetime
) -> tuple[Action, ...]:
    if situation.target is None:
        return ()
    back = result.auto_reply.return_date if result.auto_reply else None
    actions: list[Action] = []
    for target in situation.people:
        policy = target.stop.on_auto_reply
        if policy == "stop":
            actions.append(End(target.ref.id, "stopped", "auto_reply"))
        elif policy == "pause":
            actions.append(Pause(target.ref.id, resume_time(back, target.zone, limits, now)))
    return tuple(actions)


def resume_time(back: date | None, zone: ZoneInfo, limits: Limits, now: datetime) -> datetime:
    """Start of the day after the stated return date (prospect's time), within limits;
    ``auto_reply_pause`` from now when no usable date was stated."""
    fallback = now + limits.auto_reply_pause
    if back is None:
        return fallback
    day_after = datetime.combine(back + timedelta(days=1), time(0), zone)
    if day_after <= now:
        return fallback
    return min(day_after, now + limits.max_auto_reply_pause)
