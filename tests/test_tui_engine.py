"""The engine and the watcher hosted by the TUI, against the sandbox: a reply shows up in
the Inbox by itself (no key pressed), quotes stripped."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.sandbox import Sandbox
from outreach.services import Services, build_services
from outreach.store import open_store
from outreach.tui.context import EventSink
from outreach.tui.factory import build_app
from outreach.tui.screens.inbox import InboxScreen
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.test_tui_support import screen_text, settle, until
from tests.test_watcher_support import fast_watcher_config


def fast_engine(db: Engine, on_event: EventSink) -> Services:
    return build_services(
        db, kind="tui", on_event=on_event, engine_config=fast_config(),
        watcher_config=fast_watcher_config(),
    )  # fmt: skip


async def test_a_reply_appears_in_the_inbox_without_a_key_press(
    sandbox: Sandbox, outreach_home: Path, tmp_path: Path
) -> None:
    sandbox.persona("anna@acme.example", "reply", language="en")
    db = open_store()
    ep = sandbox.endpoints
    add_mailbox(db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    add_prospects(db, ["anna@acme.example"])
    start_campaign(db, "c", write_sequence(tmp_path / "s.yaml", wait="1h", gap="0s"), [REP_ADDRESS])
    app = build_app(
        db=db, sequences_dir=tmp_path, engine_factory=fast_engine, tz=ZoneInfo("UTC"),
        refresh_seconds=0,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen) and not inbox.items
        app.action_run_engine()  # the engine starts; from here on nobody touches a key
        await until(pilot, lambda: any(i.kind == "reply" for i in inbox.items.values()), 30,
                    what="a reply in the inbox")
        await settle(pilot)
        [reply] = inbox.items.values()
        assert reply.from_addr == "anna@acme.example" and reply.enrollment_state == "replied"
        assert "short call next week" in reply.new_text and ">" not in reply.new_text
        assert "short call next week" in screen_text(app)
        await app.action_stop_engine()
        assert not app.engine.running
