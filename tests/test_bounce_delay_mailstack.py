"""A real Postfix delay warning never bounces a prospect; the real final bounce does.

A second Postfix + Dovecot stack (its own directory and ports) warns after one second
(``delay_warning_time``) and routes ``remote.test`` to a loopback port where nothing
listens at first (an unreachable next hop: connection refused, the message is deferred).
Postfix itself writes the delay warning to the rep's INBOX. Then a loopback aiosmtpd
answers ``550 5.1.1`` on that port, the queue is flushed, and Postfix returns the final
bounce.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlmodel import Session as DbSession

from outreach.prospects.suppression import is_suppressed
from outreach.services import inbox_watcher
from tests.fixtures.campaigns import fast_config
from tests.fixtures.mailstack import MailStack, run_script, skip_or_fail_without_stack, start_stack
from tests.test_watcher_mailstack import campaign, has_sent
from tests.test_watcher_support import (
    Services,
    fast_watcher_config,
    inbound_rows,
    states,
    unique_local,
)

pytestmark = pytest.mark.mailstack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def relay_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def delaystack(relay_port: int) -> Iterator[MailStack]:
    """A stack that warns after 1 s, keeps retrying for an hour, relays remote.test."""
    skip_or_fail_without_stack()
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-delay-"))
    settings = {
        "MAILSTACK_DELAY_WARNING": "1s",
        "MAILSTACK_QUEUE_LIFETIME": "1h",
        "MAILSTACK_REMOTE_PORT": str(relay_port),
    }
    try:
        yield start_stack(stack_dir, settings)
    finally:
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


class UnknownUser:
    """The next hop, once it answers: every recipient is unknown."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


def bounce_rows(db):  # type: ignore[no-untyped-def]
    return [row for row in inbound_rows(db) if row.kind == "bounce"]


async def test_postfix_delay_warning_keeps_the_prospect_and_the_final_bounce_ends_it(
    delaystack: MailStack, relay_port: int, outreach_home: Path, tmp_path: Path
) -> None:
    jane = f"{unique_local('jane')}@remote.test"
    db, _rep = campaign(delaystack, tmp_path, [jane], wait="1h")
    watcher = inbox_watcher(db, fast_watcher_config())
    async with Services(db, fast_config(), watcher) as services:
        await services.until(has_sent(db, jane), what=f"step 1 to {jane} handed to Postfix")
        await services.until(
            lambda: bounce_rows(db), what="Postfix's delay warning read", deadline=60
        )
        [warning] = bounce_rows(db)
        assert warning.details["final"] is False
        assert warning.details["hard"] is False
        assert warning.details["recipients"] == [jane]
        assert warning.details["via"] == "original"
        assert states(db)[jane] == ("active", None)
        with DbSession(db) as session:
            assert is_suppressed(session, jane) is None

        next_hop = Controller(UnknownUser(), hostname="127.0.0.1", port=relay_port)
        next_hop.start()
        try:
            delaystack.flush_queue()
            await services.until(
                lambda: states(db)[jane][0],
                what=f"{jane} bounced",
                ok=lambda state: state == "bounced",
                deadline=60,
            )
        finally:
            next_hop.stop()

    first, final = bounce_rows(db)
    assert first.id == warning.id
    assert final.details["final"] is True and final.details["hard"] is True
    assert final.details["recipients"] == [jane]
    assert "5.1.1" in (final.details["status"] or "")
    with DbSession(db) as session:
        entry = is_suppressed(session, jane)
        assert entry is not None and entry.reason == "bounce"
