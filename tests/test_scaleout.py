"""Team scale-out: 3 daemons on one PostgreSQL, 30 mailboxes, 600 sends, one SIGKILLed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.fixtures.mailstack import MailStack
from tests.scaleout_harness import scale_run

pytestmark = [pytest.mark.mailstack, pytest.mark.slow]


def test_three_daemons_one_killed_exactly_once(mailstack: MailStack, pg_url: str) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        result = scale_run(mailstack, Path(workdir), pg_url, daemons=3, mailboxes=30,
                           prospects=200, steps=3, kill_after=150, lease_ttl=6.0, budget=300)
    assert result.expected == 600
    assert result.lost == 0
    assert result.duplicates == 0
    assert result.delivered == 600
    assert result.takeover_seconds is not None and result.takeover_seconds <= 6.0 + 2.0
