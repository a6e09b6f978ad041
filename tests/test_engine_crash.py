"""Exactly once across crashes: SIGKILL the engine while it sends, restart, count deliveries."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.crash_harness import crash_run
from tests.fixtures.mailstack import MailStack

pytestmark = [pytest.mark.mailstack, pytest.mark.slow]


def test_killed_engine_delivers_every_step_exactly_once(mailstack: MailStack, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))
    with tempfile.TemporaryDirectory() as workdir:
        result = crash_run(
            mailstack, Path(workdir), prospects=20, steps=3, kills=8, seed=1, budget=240
        )
    assert result.kills == 8
    assert result.expected == 60
    assert result.lost == 0
    assert result.duplicates == 0
    assert result.delivered == 60
