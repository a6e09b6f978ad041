"""The composition root: the send engine, the inbox watcher and the webhook dispatcher,
wired the same way for every entry point (``outreach run``, ``outreach daemon``, the TUI's
in-process engine, ``outreach demo``).

This is the only module that picks the concrete mail adapters (aiosmtplib for SMTP,
imapclient for Sent filing and reading); the engine and the watcher only know the ports
of :mod:`outreach.mailbox.ports`. An entry point keeps what is its own: signals and logs
(the daemon), messages (the TUI), narration (the demo).

    services = build_services(db, kind="run", on_event=print_event)
    await services.run()        # until services.stop()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from outreach import secrets
from outreach.deliverability.webhook_config import WebhookConfig
from outreach.deliverability.webhooks import DispatchConfig, WebhookDispatcher
from outreach.engine.config import EngineConfig
from outreach.engine.hooks import InboxCheck
from outreach.engine.runner import SendEngine
from outreach.engine.worker import EventSink
from outreach.mailbox.account import Account
from outreach.mailbox.imapfolder import ImapConnector
from outreach.mailbox.ports import InboxConnector, SendAdapters
from outreach.mailbox.sentbox import SentBox
from outreach.mailbox.smtp import SmtpSession
from outreach.store.models import Mailbox
from outreach.watcher import Watcher, WatcherConfig


def _ignore(_kind: str, _info: dict[str, object]) -> None:
    return None


def _everyone(_mailbox: Mailbox) -> bool:
    return True


# -- the adapters ----------------------------------------------------------------------


class MailServerAdapters:
    """The sending side of a mailbox over real servers, logging in with its stored secret."""

    def smtp(self, account: Account, idle_reconnect: float) -> SmtpSession:
        async def secret() -> str:
            return await secrets.fetch_secret_async(account.secret)

        return SmtpSession(account, secret, idle_reconnect=idle_reconnect)

    def sent_box(self, account: Account, sent_folder: str | None, append_mode: str) -> SentBox:
        return SentBox(
            account, lambda: secrets.fetch_secret(account.secret), sent_folder, append_mode
        )


def send_adapters() -> SendAdapters:
    """How the engine reaches the mail servers."""
    return MailServerAdapters()


def inbox_connector() -> InboxConnector:
    """How the watcher (and ``inbox scan``) read the mailboxes."""
    return ImapConnector()


# -- the services ----------------------------------------------------------------------


def send_engine(
    db: Engine,
    config: EngineConfig | None = None,
    *,
    inbox_check: InboxCheck | None = None,
    on_event: EventSink = _ignore,
    kind: str = "run",
) -> SendEngine:
    """The send engine over the real mail adapters (``inbox_check``: the watcher, if any)."""
    return SendEngine(
        db, config, adapters=send_adapters(), inbox_check=inbox_check, on_event=on_event, kind=kind
    )


def inbox_watcher(
    db: Engine,
    config: WatcherConfig | None = None,
    *,
    on_event: EventSink = _ignore,
    mailbox_filter: Callable[[Mailbox], bool] = _everyone,
) -> Watcher:
    """The inbox watcher over the real IMAP adapter."""
    return Watcher(
        db, config, connector=inbox_connector(), on_event=on_event, mailbox_filter=mailbox_filter
    )


class Service(Protocol):
    """A long-running part: runs until stopped."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Services:
    """The engine, the watcher (None: send only) and the webhook dispatcher, run together."""

    engine: SendEngine
    watcher: Watcher | None
    webhooks: WebhookDispatcher

    @property
    def parts(self) -> list[Service]:
        watcher: list[Service] = [] if self.watcher is None else [self.watcher]
        return [self.engine, *watcher, self.webhooks]

    async def run(self) -> None:
        """All parts until :meth:`stop`; the send in flight is finished first.

        Raises:
            EngineBusy: another engine owns this (SQLite) database; the other parts are
                stopped before it goes up, as is any other error a part ends with.
        """
        tasks = [asyncio.create_task(part.run()) for part in self.parts]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            self.stop()
            ended = await asyncio.gather(*tasks, return_exceptions=True)
        failure = next((e for e in ended if isinstance(e, Exception)), None)
        if failure is not None:
            raise failure

    def stop(self) -> None:
        """Ask every part to stop (returns at once; :meth:`run` returns when they have)."""
        for part in self.parts:
            part.stop()

    def refresh(self) -> None:
        """Look at the queue now (a campaign was started or resumed)."""
        self.engine.refresh()

    def reload(self) -> None:
        """Re-read mailboxes, campaigns and the classifier's rules file (SIGHUP)."""
        self.engine.heartbeat()
        self.engine.wake()
        if self.watcher is not None:
            self.watcher.reload()


def build_services(
    db: Engine,
    *,
    kind: str,
    on_event: EventSink = _ignore,
    engine_config: EngineConfig | None = None,
    watcher_config: WatcherConfig | None = None,
    watch: bool = True,
    webhooks: list[WebhookConfig] | None = None,
    dispatch_config: DispatchConfig | None = None,
) -> Services:
    """Wire the services of one entry point.

    Args:
        kind: who runs the engine (``run``, ``daemon``, ``tui``, ``demo``), shown by
            ``outreach status``.
        on_event: receives what the engine and the watcher report, ``(kind, info)``.
        watch: False sends only (``daemon --no-watcher``): follow-ups are then not
            preceded by a look at the inbox.
        webhooks: the endpoints to deliver events to (None: ``webhooks.yaml``).

    Raises:
        ConfigError: ``webhooks.yaml`` or the classifier's rules file is invalid.
    """
    watcher = inbox_watcher(db, watcher_config, on_event=on_event) if watch else None
    engine = send_engine(db, engine_config, inbox_check=watcher, on_event=on_event, kind=kind)
    return Services(engine, watcher, WebhookDispatcher(db, webhooks, dispatch_config))
