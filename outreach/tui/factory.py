"""The one way to build the app, used by ``outreach tui`` and by the tests."""

from __future__ import annotations

import gc
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from tzlocal import get_localzone

from outreach.store import open_store
from outreach.store.models import utcnow
from outreach.tui.app import OutreachApp
from outreach.tui.context import EngineFactory, TuiContext
from outreach.tui.engine_host import default_engine_factory
from outreach.views.common import Clock
from outreach.views.sequences import sequences_dir as default_sequences_dir

FULL_PASS_EVERY = 100


def build_app(
    *,
    db: Engine | None = None,
    sequences_dir: Path | None = None,
    engine_factory: EngineFactory | None = default_engine_factory,
    now: Clock = utcnow,
    tz: ZoneInfo | None = None,
    start_engine: bool = False,
    refresh_seconds: float = 5.0,
    theme: str = "outreach-dark",
) -> OutreachApp:
    """An app on ``db`` (default: the configured database, migrated first).

    ``engine_factory=None`` makes a TUI that never sends; ``now`` and ``tz`` fix the clock
    and the timezone shown (tests); ``start_engine`` runs the engine at once.
    """
    context = TuiContext(
        db=db if db is not None else open_store(),
        sequences_dir=default_sequences_dir(sequences_dir),
        now=now,
        tz=tz or _local_zone(),
        engine_factory=engine_factory,
        start_engine=start_engine,
        refresh_seconds=refresh_seconds,
    )
    return OutreachApp(context, theme=theme)


def freeze_startup_objects() -> None:
    """Keep the garbage collector's full passes from pausing typing.

    Everything allocated so far (imports, the app, caches) leaves the collector's sight,
    so a full pass walks only what the session itself creates; and full passes come ten
    times less often (every 100 middle-generation passes instead of 10): each one stops
    the event loop for as long as it takes to walk Textual's render caches.
    """
    gc.collect()
    gc.freeze()
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, FULL_PASS_EVERY)


def _local_zone() -> ZoneInfo:
    zone = get_localzone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")
