"""The states of enrollments and sends and the kinds of lifecycle events, defined once.

Stored as their string values; ``StrEnum`` members compare equal to those strings, so
rows read back as plain ``str`` compare with them directly.
"""

from __future__ import annotations

from enum import StrEnum


class CampaignState(StrEnum):
    """A campaign: ``draft → active ⇄ paused → archived``."""

    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


RUNNING: tuple[CampaignState, ...] = (CampaignState.ACTIVE, CampaignState.PAUSED)
"""Campaigns that were started and not archived: their enrollments are being written to."""


class EnrollmentState(StrEnum):
    """Where one prospect stands in one campaign."""

    ACTIVE = "active"
    PAUSED = "paused"
    """Waiting until ``resume_at`` (an out-of-office)."""
    FINISHED = "finished"
    """Every step was sent."""
    REPLIED = "replied"
    STOPPED = "stopped"
    """Ended from outside this thread: a colleague answered, the person answered another
    campaign, the address was suppressed, an auto-reply said stop."""
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    INVALID = "invalid"
    """The address failed verification before anything was sent."""
    FAILED = "failed"
    """Sending failed for too long, or the step could not be rendered."""


LIVE: tuple[EnrollmentState, ...] = (EnrollmentState.ACTIVE, EnrollmentState.PAUSED)
"""Enrollments that may still send: the set every "is this person still written to?" uses."""


class SendState(StrEnum):
    """One step to one prospect: ``scheduled → sending → sent | deferred | failed | cancelled``."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    """Committed before the SMTP transaction: after a crash, *in doubt*."""
    SENT = "sent"
    DEFERRED = "deferred"
    """A temporary failure; due again after a backoff."""
    FAILED = "failed"
    CANCELLED = "cancelled"


PENDING: tuple[SendState, ...] = (SendState.SCHEDULED, SendState.DEFERRED)
"""Sends waiting in the queue."""


class TaskState(StrEnum):
    """A task step for one prospect:
    ``scheduled → open → done | expired``, or ``skipped`` / ``cancelled``."""

    SCHEDULED = "scheduled"
    """Waiting for its due time (its condition not yet checked)."""
    OPEN = "open"
    """Due: on the rep's list until done or until ``expires_at``."""
    DONE = "done"
    """The rep recorded an outcome."""
    EXPIRED = "expired"
    """Not done within ``due_within``: counted as skipped, the sequence went on."""
    SKIPPED = "skipped"
    """Its ``when:`` did not hold when it fell due."""
    CANCELLED = "cancelled"
    """A reply (or another end) stopped the prospect first."""


TASK_PENDING: tuple[TaskState, ...] = (TaskState.SCHEDULED, TaskState.OPEN)
"""Tasks still to come or to do: an enrollment with one has its next step queued."""


class TaskOutcome(StrEnum):
    """How the rep says a task went (an expired task counts as ``skipped``)."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    SKIPPED = "skipped"


class EventKind(StrEnum):
    """What an Event row records (timelines, reports and webhooks read these)."""

    ENROLLED = "enrolled"
    ENROLL_SKIPPED = "enroll_skipped"
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"
    BOUNCE = "bounce"
    SOFT_BOUNCE = "soft_bounce"
    IN_DOUBT_RESOLVED = "in_doubt_resolved"
    REPLIED = "replied"
    STOPPED = "stopped"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    INVALID = "invalid"
    PAUSED = "paused"
    RESUMED = "resumed"
    REOPENED = "reopened"
    FINISHED = "finished"
    # an inbound message, by its classification
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    UNSUBSCRIBE = "unsubscribe"
    OTHER = "other"
    RECLASSIFIED = "reclassified"
    INTEREST = "interest"
    HELD = "held"
    """An inbound message held for review: it acted on nothing (data: classified_as, reason)."""
    # campaigns and mailboxes
    CAMPAIGN_STARTED = "campaign_started"
    CAMPAIGN_PAUSED = "campaign_paused"
    CAMPAIGN_ACTIVE = "campaign_active"
    CAMPAIGN_ARCHIVED = "campaign_archived"
    CAMPAIGN_UPDATED = "campaign_updated"
    MAILBOX_PAUSED = "mailbox_paused"
    MAILBOX_RESUMED = "mailbox_resumed"
    SENT_COPY_FAILED = "sent_copy_failed"
    """Our copy could not be filed in Sent (data: folder, error): a mailbox health warning."""
    ENGINE_ERROR = "engine_error"
    """A mailbox's worker met an unexpected error and tries again later (data: error): a
    mailbox health warning until ``engine_recovered``. Recorded once per kind of error."""
    ENGINE_RECOVERED = "engine_recovered"
    """The worker got through a step again after an ``engine_error``."""
    # what a reply means and what the rep did with it
    INTENT_CORRECTED = "intent_corrected"
    """A person changed a reply's intent (data: was, to, by)."""
    REFERRAL_PROPOSED = "referral_proposed"
    """A reply named someone else: a prospect proposed for enrollment (data: email, referred_by)."""
    REFERRAL_ENROLLED = "referral_enrolled"
    """The rep confirmed a proposed referral: enrolled in the campaign (data: email)."""
    TRIAGED = "triaged"
    """A person marked a reply handled, or snoozed it (data: action, until)."""
    # task steps and conditions
    TASK_DUE = "task_due"
    """A task fell due and is on the rep's list (data: task, step, task_kind, expires_at)."""
    TASK_DONE = "task_done"
    """The rep recorded a task's outcome (data: task, step, task_kind, outcome, note,
    by)."""
    TASK_EXPIRED = "task_expired"
    """A task was not done within its due_within: skipped, the sequence goes on (data:
    task, step, task_kind)."""
    TASK_CANCELLED = "task_cancelled"
    """A pending task was cancelled because the enrollment ended (data: task, step, reason)."""
    STEP_SKIPPED = "step_skipped"
    """A step's ``when:`` did not hold when it fell due (data: step, condition, step_kind,
    task or send)."""


ENDED_BY = {
    EnrollmentState.REPLIED: EventKind.REPLIED,
    EnrollmentState.STOPPED: EventKind.STOPPED,
    EnrollmentState.BOUNCED: EventKind.BOUNCED,
    EnrollmentState.UNSUBSCRIBED: EventKind.UNSUBSCRIBED,
    EnrollmentState.INVALID: EventKind.INVALID,
    EnrollmentState.FAILED: EventKind.FAILED,
    EnrollmentState.FINISHED: EventKind.FINISHED,
}
"""The event an enrollment's end is recorded with."""

PERSON_ENDS = (EnrollmentState.REPLIED, EnrollmentState.UNSUBSCRIBED, EnrollmentState.BOUNCED)
"""Ends that concern the person, not one thread: the pre-send check stops their other
enrollments when one of these happened after the other enrollment began."""


class ReplyIntent(StrEnum):
    """What a person's reply means, read from its new text only (never the quote).

    Opt-out requests are not an intent: they stay the inbound kind ``unsubscribe``.
    """

    INTERESTED = "interested"
    """Wants a call, a meeting or more."""
    QUESTION = "question"
    """Asks for information without deciding."""
    NOT_NOW = "not_now"
    """The timing is wrong; usually says when to come back."""
    REFERRAL = "referral"
    """Names the person responsible (their address when given)."""
    WRONG_PERSON = "wrong_person"
    """Not responsible or left the company, nobody named."""
    NOT_INTERESTED = "not_interested"
    """Declines without asking to be removed."""
    OTHER = "other"
    """Anything else, and every answer too unsure to act on."""


INBOUND_KINDS = ("reply", "auto_reply", "bounce", "unsubscribe", "other")
"""What an inbound message is (the classifier's kinds, as stored)."""
INTERESTS = ("interested", "not_interested")
"""What a person marked a reply as."""
