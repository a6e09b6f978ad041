"""The composition root: every entry point gets the same services, and a part that cannot
start takes the others down with it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from outreach.engine.presence import EngineBusy, running_engines
from outreach.services import build_services
from outreach.store import open_store
from tests.fixtures.campaigns import fast_config
from tests.test_watcher_support import fast_watcher_config

PACKAGE = Path(__file__).resolve().parents[1] / "outreach"
BUILT_HERE = re.compile(r"\b(SendEngine|Watcher|WebhookDispatcher)\(")


def test_only_the_composition_root_builds_the_services() -> None:
    builders = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if BUILT_HERE.search(path.read_text(encoding="utf-8"))
    )
    assert builders == ["services.py"]


async def test_a_busy_engine_stops_the_watcher_and_the_webhooks(outreach_home: Path) -> None:
    db = open_store()
    first = build_services(db, kind="daemon", engine_config=fast_config(),
                           watcher_config=fast_watcher_config())
    running = asyncio.create_task(first.run())
    async with asyncio.timeout(10):
        while not running_engines(db):
            await asyncio.sleep(0.02)
    second = build_services(open_store(), kind="tui", engine_config=fast_config(),
                            watcher_config=fast_watcher_config())
    with pytest.raises(EngineBusy, match="daemon on"):
        await asyncio.wait_for(second.run(), 10)
    assert second.watcher is not None and second.watcher._stopping.is_set()
    assert second.webhooks._stopping.is_set()
    first.stop()
    await asyncio.wait_for(running, 10)
