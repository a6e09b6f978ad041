"""SQLModel tables: the whole persistent state of outreach.

Designed for the full flow: mailboxes send, prospects are enrolled in campaigns, each step
of an enrollment becomes a ``Send`` row (the queue), inbound mail becomes ``InboundMessage``
rows, and every effect is an ``Event``. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Re-exported: the tables are written and read with these.
from outreach.store.reading import as_utc as as_utc
from outreach.store.reading import utcnow as utcnow


class Mailbox(SQLModel, table=True):
    """A rep's own mail account: SMTP to send, IMAP to watch. Never holds the secret."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    display_name: str | None = None
    username: str
    smtp_host: str
    smtp_port: int
    smtp_security: str = "starttls"  # starttls | tls | none
    imap_host: str
    imap_port: int
    imap_security: str = "tls"
    insecure_skip_verify: bool = False
    secret_source: str = "keyring"  # keyring | command | oauth2_command | oauth2
    password_command: str | None = None
    oauth2_token_command: str | None = None
    # Signed in with OAuth (secret_source "oauth2"): microsoft365 | google | oidc; the
    # organisation's own client id; the Entra tenant or the issuer URL. Tokens: keyring only.
    oauth_provider: str | None = None
    oauth_client_id: str | None = None
    oauth_tenant: str | None = None
    oauth_issuer: str | None = None
    daily_cap: int = 40
    ramp: str | None = None  # e.g. "10+5/day"
    timezone: str | None = None  # day boundary of the daily cap; None = this machine's
    per_domain_hourly: int | None = None
    sent_folder: str | None = None  # discovered via SPECIAL-USE
    # How a copy reaches the Sent folder: auto (detect on first send) | append (we APPEND it
    # over IMAP) | server (the server files SMTP mail there, as Gmail and Microsoft 365 do)
    # | plus (we add user+Sent@domain as a hidden recipient; the server files that copy)
    append_to_sent: str = "auto"
    paused: bool = False
    pause_reason: str | None = Field(default=None, sa_column=Column(Text))
    paused_at: datetime | None = None
    last_auth_failure_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Prospect(SQLModel, table=True):
    """A person to write to; ``fields`` holds every custom CSV column."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    domain: str = Field(index=True)
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProspectTag(SQLModel, table=True):
    """A tag given at import (``--tag``), used to select prospects for a campaign."""

    prospect_id: int = Field(foreign_key="prospect.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, index=True)


class Suppression(SQLModel, table=True):
    """An address or ``@domain`` that must never be enrolled or written to."""

    id: int | None = Field(default=None, primary_key=True)
    value: str = Field(unique=True, index=True)  # "a@b.com" or "@b.com"
    reason: str = "manual"  # manual | bounce | unsubscribe | import | complaint
    source: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    """A sequence snapshot sent to a set of prospects from one or more mailboxes."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    sequence_path: str | None = None
    sequence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sequence_hash: str = ""
    state: str = Field(default="draft", index=True)  # draft | active | paused | archived
    pause_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None


class CampaignMailbox(SQLModel, table=True):
    """The mailboxes a campaign rotates over."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    mailbox_id: int = Field(foreign_key="mailbox.id", primary_key=True, ondelete="CASCADE")


class Enrollment(SQLModel, table=True):
    """One prospect in one campaign; sticky to one mailbox for the whole thread."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "prospect_id"),
        Index("ix_enrollment_state_due", "state", "next_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    prospect_id: int = Field(foreign_key="prospect.id", index=True, ondelete="CASCADE")
    mailbox_id: int | None = Field(default=None, foreign_key="mailbox.id", index=True)
    # active | paused | finished | replied | stopped | bounced | unsubscribed | invalid | failed
    state: str = Field(default="active")
    reason: str | None = None
    steps_sent: int = 0
    next_step: int = 0
    next_due_at: datetime | None = None
    resume_at: datetime | None = None
    thread_message_id: str | None = None
    thread_subject: str | None = None
    thread_references: str | None = Field(default=None, sa_column=Column(Text))
    soft_bounces: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Send(SQLModel, table=True):
    """One step to one prospect: the queue row. State is committed around each SMTP transaction.

    scheduled → sending (Message-ID fixed, committed) → sent | failed | deferred | cancelled
    """

    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_index"),
        Index("ix_send_mailbox_state_due", "mailbox_id", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = Field(foreign_key="enrollment.id", index=True, ondelete="CASCADE")
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    mailbox_id: int = Field(foreign_key="mailbox.id")
    prospect_id: int = Field(foreign_key="prospect.id", index=True)
    step_index: int
    variant: int = 0
    state: str = "scheduled"
    due_at: datetime
    message_id: str = Field(unique=True, index=True)
    subject: str | None = Field(default=None, sa_column=Column(Text))
    in_reply_to: str | None = None
    references: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    smtp_code: int | None = None
    smtp_response: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    appended_to_sent: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    """A task step (call, LinkedIn, custom) for one prospect: the queue row of a step the rep
    does by hand. Owned by the enrollment's mailbox (its rep); counted against no send cap.

    scheduled (waiting for ``due_at``) → open (due: its condition held) → done | expired;
    or skipped (its condition failed when due) | cancelled (a reply, the enrollment ended)
    """

    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_index"),
        Index("ix_task_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = Field(foreign_key="enrollment.id", index=True, ondelete="CASCADE")
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    mailbox_id: int = Field(foreign_key="mailbox.id", index=True)
    prospect_id: int = Field(foreign_key="prospect.id", index=True)
    step_index: int
    kind: str  # call | linkedin | custom
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    state: str = "scheduled"
    due_at: datetime
    expires_at: datetime | None = None  # set when it opens: due_at + due_within
    keep_on_reply: bool = False  # the step says on_reply: continue
    outcome: str | None = None  # reached | no_answer | skipped
    outcome_note: str | None = Field(default=None, sa_column=Column(Text))
    done_at: datetime | None = None
    done_by: str | None = None  # cli | tui | engine (an expiry)
    reason: str | None = Field(default=None, sa_column=Column(Text))  # why skipped/cancelled
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class InboundMessage(SQLModel, table=True):
    """A message the watcher saw in a rep's mailbox, what it means and what it caused."""

    __table_args__ = (UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="mailbox.id", index=True, ondelete="CASCADE")
    folder: str
    # IMAP UIDs and UIDVALIDITY are unsigned 32-bit: beyond a signed INTEGER (PostgreSQL)
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    message_id: str | None = Field(default=None, index=True)
    from_addr: str | None = None
    subject: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime | None = None
    kind: str = Field(
        default="other", index=True
    )  # reply | auto_reply | bounce | unsubscribe | other
    manual_kind: str | None = None  # set when a person re-classifies by hand
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    new_text: str | None = Field(default=None, sa_column=Column(Text))
    enrollment_id: int | None = Field(default=None, foreign_key="enrollment.id", index=True)
    interest: str | None = None  # interested | not_interested
    handled_at: datetime | None = None  # when the watcher recorded and applied it
    # what a reply means (outreach.states.ReplyIntent), from its new text
    intent: str | None = Field(default=None, index=True)
    intent_until: date | None = None  # not_now: the day meant
    referral: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    intent_confidence: float | None = None
    needs_review: bool = False
    intent_why: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the rep's triage: a corrected intent (by whom, when), snoozed, done
    manual_intent: str | None = None
    manual_intent_by: str | None = None
    manual_intent_at: datetime | None = None
    snoozed_until: date | None = None
    triaged_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class MailboxSyncState(SQLModel, table=True):
    """Where the watcher left off in one folder of one mailbox."""

    mailbox_id: int = Field(foreign_key="mailbox.id", primary_key=True, ondelete="CASCADE")
    folder: str = Field(primary_key=True)
    uidvalidity: int = Field(sa_type=BigInteger)  # unsigned 32-bit, as IMAP UIDs
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """Something that happened (sent, reply, bounce, pause …), for timelines and reports."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(index=True)
    campaign_id: int | None = Field(default=None, index=True)
    enrollment_id: int | None = Field(default=None, index=True)
    prospect_id: int | None = Field(default=None, index=True)
    mailbox_id: int | None = None
    send_id: int | None = None
    inbound_id: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EngineInstance(SQLModel, table=True):
    """A running engine (``outreach run``, a daemon, or a TUI hosting one) and its heartbeat."""

    id: str = Field(primary_key=True)  # random per process start
    host: str
    pid: int
    kind: str  # run | daemon | tui
    started_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow, index=True)
    stopped_at: datetime | None = None


class MailboxLease(SQLModel, table=True):
    """Which engine sends for a mailbox, until when (renewed by its heartbeat)."""

    mailbox_id: int = Field(foreign_key="mailbox.id", primary_key=True, ondelete="CASCADE")
    holder: str | None = Field(default=None, index=True)
    expires_at: datetime = Field(default_factory=utcnow)
    acquired_at: datetime | None = None


class DomainCheck(SQLModel, table=True):
    """Cached verdict on a prospect's domain: does it accept mail (MX, or A as fallback)?

    Written by prospect verification; trusted until ``checked_at`` plus its TTL. Lookups
    that failed for a temporary reason are never stored.
    """

    domain: str = Field(primary_key=True)
    accepts_mail: bool
    detail: str = Field(sa_column=Column(Text, nullable=False))
    checked_at: datetime = Field(default_factory=utcnow)


class WebhookCursor(SQLModel, table=True):
    """How far one webhook (by URL) has delivered: the last Event id it handled."""

    url: str = Field(primary_key=True)
    last_event_id: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow)

def row_id(value: int | None) -> int:
    """The primary key of a flushed row (SQLModel types it optional until then)."""
    if value is None:
        raise ValueError("row has no id yet: flush the session first")
    return value
