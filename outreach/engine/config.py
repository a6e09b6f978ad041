"""Engine settings (defaults fit a rep's mailbox; tests and benchmarks shrink them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class EngineConfig:
    poll_interval: float = 30.0
    """Re-read the database for new work at least this often (seconds): one query for all
    mailboxes, which wakes the workers that have something to do."""
    idle_recheck: float = 600.0
    """An idle worker also re-reads its own queue at least this often (seconds)."""
    smtp_idle_reconnect: float = 60.0
    """Renew the SMTP connection when it was idle longer than this (seconds)."""
    backoff_base: timedelta = timedelta(minutes=5)
    """First retry delay after a temporary failure; doubles with each attempt."""
    backoff_max: timedelta = timedelta(hours=6)
    """Longest retry delay."""
    max_attempts: int = 8
    """Temporary failures after which a send is given up (the enrollment fails)."""
    auth_retry: timedelta = timedelta(minutes=15)
    """A mailbox paused for a login failure tries again at most this often."""
    sent_copy_retry: timedelta = timedelta(minutes=15)
    """While copies to Sent fail, how often the unfiled ones are tried again."""
    misfire_grace: timedelta = timedelta(minutes=15)
    """Sends overdue by more than this (a laptop asleep) are re-spread over the window."""
    pacing: bool = True
    """False: ignore gaps, caps and windows (benchmarks only)."""
    heartbeat: float = 10.0
    """Seconds between heartbeats (lease renewal, takeover of dead engines' mailboxes)."""
    lease_ttl: timedelta = timedelta(seconds=30)
    """A mailbox lease not renewed for this long is free for another engine."""
    in_doubt_retry: float = 60.0
    """Seconds between attempts to resolve in-doubt sends while IMAP is unreachable."""
