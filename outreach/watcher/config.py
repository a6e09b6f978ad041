"""Watcher settings (defaults fit a rep's mailbox; tests and benchmarks shrink them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class WatcherConfig:
    idle: bool = True
    """Wait with IMAP IDLE where the server supports it (else poll every ``poll_interval``)."""
    idle_renew: float = 25 * 60.0
    """Re-issue IDLE after this many seconds: servers drop it after 29 minutes (RFC 2177)."""
    idle_settle: float = 1.0
    """The first IDLE round after a check ends after this many seconds: some servers (the
    embedded sandbox's pymap) announce only mail that arrives once IDLE began, and tell at
    DONE what came between the check and the IDLE."""
    poll_interval: float = 60.0
    """Look at every folder at least this often (the only way without IDLE; the Junk folder
    and resuming paused enrollments always run on this beat)."""
    idle_poll_interval: float = 25 * 60.0
    """While IDLE works, the periodic look (the Junk folder) runs this often instead, when
    the IDLE round is renewed anyway: IDLE announces INBOX mail, and the engine's pre-send
    re-check looks at Junk too, so no follow-up goes out after a spam-foldered reply (only
    its count waits). A team daemon watching 1,000 mailboxes stays near idle this way."""
    watch_junk: bool = True
    """Also look at the Junk/Spam folder (replies do land there)."""
    first_look_back: timedelta = timedelta(days=14)
    """On first attach with nothing sent yet, look at mail this old (else since the first send)."""
    rescan_margin: timedelta = timedelta(days=2)
    """After a UIDVALIDITY reset, re-scan mail received since the last sync minus this."""
    soft_bounce_limit: int = 3
    """Soft (temporary) bounces after which an address counts as bounced and is suppressed."""
    auto_reply_pause: timedelta = timedelta(days=7)
    """How long ``on_auto_reply: pause`` pauses when the auto-reply names no return date."""
    max_auto_reply_pause: timedelta = timedelta(days=90)
    """The longest pause a stated return date may cause (a typo'd year must not park a
    prospect for ever)."""
    max_body_bytes: int = 1_000_000
    """Bytes fetched of one message; larger ones are read up to this size."""
    fetch_batch: int = 200
    """Messages whose headers are fetched in one FETCH."""
    reconnect_min: float = 2.0
    """First delay before reconnecting after an IMAP error (doubles up to ``reconnect_max``)."""
    reconnect_max: float = 300.0
    """Longest delay between reconnection attempts."""
    classify_deadline: float | None = 10.0
    """Seconds allowed to classify one message (in a worker process); a message over it is
    set aside for review ("shunted"), never retried. None: classify in-process, unbounded."""
    rules_file: Path | None = None
    """Extra classifier phrases (``classify_rules.yaml``); None = the user's config file if
    it exists."""
