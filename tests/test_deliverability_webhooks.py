"""Signed webhooks against a real HTTP server on loopback (http.server in a thread)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import keyring
import pytest
from sqlmodel import Session

from outreach.deliverability.webhook_config import KEYRING_SERVICE, WebhookConfig, load_webhooks
from outreach.deliverability.webhooks import (
    SIGNATURE_HEADER,
    DispatchConfig,
    WebhookDispatcher,
    verify_signature,
)
from outreach.errors import ConfigError
from outreach.paths import config_dir
from outreach.sandbox import Sandbox
from outreach.store import open_store, session_scope
from outreach.store.models import Campaign, Event, InboundMessage, Mailbox, Prospect, WebhookCursor
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.fixtures.webhooks import Receiver
from tests.polling import still_running, until

SECRET = "s3cret-for-tests"
ROOT = str(Path(__file__).resolve().parents[1])
FAST = DispatchConfig(poll_interval=0.05, max_attempts=3, backoff_base=0.01, backoff_max=0.05)


@pytest.fixture
def db(outreach_home: Path) -> Any:
    engine = open_store()
    with session_scope(engine) as session:
        session.add(Campaign(id=1, name="q1"))
        session.add(Mailbox(id=1, email="rep@sales.test", username="rep", smtp_host="h",
                            smtp_port=1, imap_host="h", imap_port=1))
        session.add(Prospect(id=1, email="anna@acme.test", domain="acme.test", first_name="Anna",
                             company="Acme"))
        session.flush()
        session.add(InboundMessage(id=1, mailbox_id=1, folder="INBOX", uidvalidity=1, uid=1,
                                   from_addr="anna@acme.test", subject="Re: hi", kind="reply",
                                   new_text="Sounds good, call me."))
    return engine


def add_event(db: Any, kind: str, **extra: Any) -> int:
    with session_scope(db) as session:
        row = Event(kind=kind, campaign_id=1, prospect_id=1, mailbox_id=1, **extra)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def hook(receiver: Receiver, events: list[str] | None = None) -> WebhookConfig:
    return WebhookConfig(url=receiver.url, events=events or ["reply", "bounce", "unsubscribe"],
                         secret_command=f"echo {SECRET}")


async def test_signed_retried_in_order_and_resumable(db: Any, receiver: Receiver) -> None:
    add_event(db, "reply", inbound_id=1)  # before the webhook existed: not sent
    dispatcher = WebhookDispatcher(db, [hook(receiver)], FAST)
    assert await dispatcher.dispatch_once() == 0
    reply = add_event(db, "reply", inbound_id=1)
    add_event(db, "sent")
    bounce = add_event(db, "bounce", data={"hard": True})
    receiver.statuses = [500]  # the first attempt fails, the retry succeeds
    task = asyncio.create_task(dispatcher.run(), name="dispatcher")
    await until(lambda: len(receiver.requests), 10, what="3 POSTs", ok=lambda n: n == 3,
                guard=still_running(task))
    dispatcher.stop()
    await asyncio.wait_for(task, 5)

    bodies = receiver.bodies()
    assert [(b["id"], b["event"]) for b in bodies] == [(reply, "reply"), (reply, "reply"),
                                                      (bounce, "bounce")]
    for headers, body in receiver.requests:
        assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER])
        assert headers[SIGNATURE_HEADER].startswith("sha256=")
    assert not verify_signature("wrong", receiver.requests[0][1],
                                receiver.requests[0][0][SIGNATURE_HEADER])
    assert bodies[0]["prospect"]["email"] == "anna@acme.test" and bodies[0]["campaign"] == "q1"
    assert bodies[0]["message"]["text"] == "Sounds good, call me."
    assert bodies[2]["data"] == {"hard": True}

    again = WebhookDispatcher(db, [hook(receiver)], FAST)
    assert await again.dispatch_once() == 0 and len(receiver.requests) == 3
    with Session(db) as session:
        cursor = session.get(WebhookCursor, receiver.url)
        assert cursor is not None and cursor.last_event_id == bounce and cursor.last_error is None


async def test_gives_up_after_the_last_attempt_and_moves_on(db: Any, receiver: Receiver) -> None:
    dispatcher = WebhookDispatcher(db, [hook(receiver)], FAST)
    await dispatcher.dispatch_once()
    add_event(db, "unsubscribe")
    receiver.statuses = [503, 503, 503]
    assert await dispatcher.dispatch_once() == 0
    assert len(receiver.requests) == FAST.max_attempts
    later = add_event(db, "reply")
    assert await dispatcher.dispatch_once() == 1
    assert receiver.bodies()[-1]["id"] == later
    with Session(db) as session:
        cursor = session.get(WebhookCursor, receiver.url)
        assert cursor is not None and cursor.last_event_id == later


async def test_a_slow_endpoint_does_not_block_the_loop(db: Any, receiver: Receiver) -> None:
    dispatcher = WebhookDispatcher(db, [hook(receiver)], FAST)
    await dispatcher.dispatch_once()
    add_event(db, "reply")
    receiver.hold = threading.Event()
    pending = asyncio.create_task(dispatcher.dispatch_once())
    # the loop runs while the POST hangs
    await until(lambda: len(receiver.requests), 10, what="1 POST", ok=lambda n: n == 1)
    assert not pending.done()
    receiver.hold.set()
    assert await asyncio.wait_for(pending, 5) == 1


async def test_keyring_secret(db: Any, receiver: Receiver) -> None:
    keyring.set_password(KEYRING_SERVICE, "crm", SECRET)
    config = WebhookConfig(url=receiver.url, events=["*"], secret_keyring="crm")
    dispatcher = WebhookDispatcher(db, [config], FAST)
    await dispatcher.dispatch_once()
    add_event(db, "sent")
    assert await dispatcher.dispatch_once() == 1
    headers, body = receiver.requests[0]
    assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER])


def test_config_file(outreach_home: Path) -> None:
    path = config_dir() / "webhooks.yaml"
    assert load_webhooks() == []
    path.write_text("webhooks:\n  - url: https://crm.example.com/h\n"
                    "    secret_command: pass show crm\n", encoding="utf-8")
    (loaded,) = load_webhooks()
    assert loaded.events == ["reply", "bounce", "unsubscribe"] and loaded.wants("bounce")
    for bad in ("url: http://crm.example.com/h\n    secret_command: x",
                "url: https://crm.example.com/h",
                "url: https://crm.example.com/h\n    secret_command: x\n    events: [replied_x]"):
        path.write_text(f"webhooks:\n  - {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="webhooks.yaml"):
            load_webhooks()


async def test_outreach_run_delivers_a_signed_webhook_for_a_send(
    sandbox: Sandbox, outreach_home: Path, receiver: Receiver, tmp_path: Path
) -> None:
    """``outreach run`` wires the webhook dispatcher as ``outreach daemon`` does."""
    sandbox.persona("anna@acme.example", "silent")
    store = open_store()
    ep = sandbox.endpoints
    add_mailbox(store, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(store, ["anna@acme.example"])
    start_campaign(store, "c", write_sequence(tmp_path / "s.yaml", gap="0s", steps=1),
                   [REP_ADDRESS])
    (config_dir() / "webhooks.yaml").write_text(
        f"webhooks:\n  - url: {receiver.url}\n    events: [sent]\n"
        f"    secret_command: echo {SECRET}\n", encoding="utf-8")
    await WebhookDispatcher(store, [hook(receiver, ["sent"])], FAST).dispatch_once()  # watermark
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "outreach", "run", "--poll", "0.5",
        env={**os.environ, "PYTHONPATH": ROOT}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        await until(lambda: receiver.requests or run.returncode is not None, 60,
                    what="a webhook request or the end of `outreach run`")
    finally:
        run.send_signal(signal.SIGINT)
        output = (await asyncio.wait_for(run.communicate(), 20))[0].decode()
    assert run.returncode == 0, output
    [(headers, body)] = receiver.requests
    assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "sent" and payload["campaign"] == "c"
    assert payload["prospect"]["email"] == "anna@acme.example"
