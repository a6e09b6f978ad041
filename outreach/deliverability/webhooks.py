"""Signed webhooks for events (reply, bounce, unsubscribe …), off the engine's path.

``WebhookDispatcher.run()`` is an asyncio task of its own: it reads ``Event`` rows
after each webhook's watermark (``WebhookCursor``, in the DB), POSTs each wanted one as
JSON signed with HMAC-SHA256 (``X-Outreach-Signature: sha256=<hex>`` over the raw body,
GitHub-style), retries failures with exponential backoff and moves the watermark after
each event: delivery is at least once, in order per webhook. A new webhook starts at the
newest event (no flood of history). DB and HTTP work run in threads, so a slow endpoint
or a busy database never blocks the event loop the engine shares.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from outreach import __version__
from outreach.deliverability.webhook_config import WebhookConfig, load_webhooks, webhook_secret
from outreach.deliverability.webhook_payload import event_payloads
from outreach.errors import OutreachError
from outreach.i18n import _
from outreach.store import session_scope
from outreach.store.models import Event, WebhookCursor, utcnow

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Outreach-Signature"
BATCH = 100


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """For receivers (and tests): constant-time check of the signature header."""
    return hmac.compare_digest(sign(secret, body), header)


@dataclass(frozen=True)
class DispatchConfig:
    """Timing of the dispatcher."""

    poll_interval: float = 2.0
    max_attempts: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 300.0


Poster = Callable[[str, bytes, dict[str, str], float], int]


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST and return the HTTP status (4xx/5xx included); network errors raise OSError."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class WebhookDispatcher:
    """Delivers events to every configured webhook until ``stop()``."""

    def __init__(self, db: Engine, hooks: list[WebhookConfig] | None = None,
                 config: DispatchConfig | None = None, post: Poster = post_json) -> None:
        self.db = db
        self.hooks = load_webhooks() if hooks is None else hooks
        self.config = config or DispatchConfig()
        self.post = post
        self._stopping = asyncio.Event()
        self._secrets: dict[str, str] = {}

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Poll and deliver until stopped; a failing webhook never ends the loop."""
        if not self.hooks:
            return
        while not self._stopping.is_set():
            await self.dispatch_once()
            await self._sleep(self.config.poll_interval)

    async def dispatch_once(self) -> int:
        """One pass over every webhook; returns how many events were delivered."""
        done = await asyncio.gather(*(self._dispatch_hook(h) for h in self.hooks))
        return sum(done)

    async def _dispatch_hook(self, hook: WebhookConfig) -> int:
        cursor = await asyncio.to_thread(_cursor, self.db, hook.url)
        events = await asyncio.to_thread(_events_after, self.db, cursor)
        delivered, skipped_to = 0, cursor
        for event_id, kind, payload in events:
            if not hook.wants(kind):
                skipped_to = event_id  # written with the next delivery, or at the end
                continue
            error = await self._deliver(hook, event_id, kind, payload)
            if error is not None and self._stopping.is_set():
                break  # neither delivered nor given up: the next run tries again
            delivered += error is None
            skipped_to = event_id
            await asyncio.to_thread(_advance, self.db, hook.url, event_id, error)
        else:
            if skipped_to > cursor:
                await asyncio.to_thread(_advance, self.db, hook.url, skipped_to, _KEEP)
        return delivered

    async def _deliver(self, hook: WebhookConfig, event_id: int, kind: str,
                       payload: dict[str, Any]) -> str | None:
        """None once delivered; else the last error after every attempt (or a stop)."""
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        try:
            headers = self._headers(hook, event_id, kind, body)
        except OutreachError as exc:
            return self._gave_up(hook, event_id, _("no secret: {error}").format(
                error=exc.message))
        error = ""
        for attempt in range(self.config.max_attempts):
            error = await self._attempt(hook, body, headers)
            if not error:
                return None
            if self._stopping.is_set():
                return error
            if attempt + 1 < self.config.max_attempts:
                await self._sleep(self._backoff(attempt))
        return self._gave_up(hook, event_id, error)

    async def _attempt(self, hook: WebhookConfig, body: bytes, headers: dict[str, str]) -> str:
        try:
            status = await asyncio.to_thread(self.post, hook.url, body, headers, hook.timeout)
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "" if 200 <= status < 300 else f"HTTP {status}"

    def _headers(self, hook: WebhookConfig, event_id: int, kind: str,
                 body: bytes) -> dict[str, str]:
        if hook.url not in self._secrets:
            self._secrets[hook.url] = webhook_secret(hook)
        return {"Content-Type": "application/json", "User-Agent": f"outreach/{__version__}",
                "X-Outreach-Event": kind, "X-Outreach-Delivery": str(event_id),
                SIGNATURE_HEADER: sign(self._secrets[hook.url], body)}

    def _gave_up(self, hook: WebhookConfig, event_id: int, error: str) -> str:
        log.warning("webhook %s: event %s not delivered, skipped: %s", hook.url, event_id, error)
        return error

    def _backoff(self, attempt: int) -> float:
        return float(min(self.config.backoff_base * 2**attempt, self.config.backoff_max))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass


def _cursor(db: Engine, url: str) -> int:
    """The webhook's watermark; a new webhook starts at the newest event."""
    with session_scope(db) as session:
        row = session.get(WebhookCursor, url)
        if row is None:
            newest = session.exec(select(func.max(Event.id))).one() or 0
            row = WebhookCursor(url=url, last_event_id=newest)
            session.add(row)
        return row.last_event_id


def _events_after(db: Engine, cursor: int) -> list[tuple[int, str, dict[str, Any]]]:
    with Session(db) as session:
        events = list(session.exec(select(Event).where(col(Event.id) > cursor)
                                   .order_by(col(Event.id)).limit(BATCH)))
        return event_payloads(session, events)


_KEEP = "\0keep"


def _advance(db: Engine, url: str, event_id: int, error: str | None) -> None:
    """Move the watermark past ``event_id``; record the delivery's error (None = it worked,
    ``_KEEP`` = the event was not for this webhook)."""
    with session_scope(db) as session:
        row = session.get(WebhookCursor, url) or WebhookCursor(url=url)
        row.last_event_id = max(row.last_event_id, event_id)
        if error != _KEEP:
            row.last_error = error
        row.updated_at = utcnow()
        session.add(row)
