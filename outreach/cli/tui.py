"""``outreach tui``: the cockpit (also what plain ``outreach`` opens in a terminal)."""

from __future__ import annotations

from pathlib import Path

import click

from outreach.i18n import _


@click.command(
    help=_("Open the cockpit: dashboard, campaigns, prospects, inbox, sequences, mailboxes."),
)
@click.option(
    "--sequences-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=_("Folder of sequence files (default: $OUTREACH_SEQUENCES_DIR, ./sequences, or the "
           "config dir's sequences)."),
)
@click.option(
    "--run-engine/--no-engine",
    "engine",
    default=None,
    help=_("Send while the TUI is open, at once (--run-engine), or never (--no-engine). "
           "Default: offered on the dashboard (key r)."),
)
def tui(sequences_dir: Path | None, engine: bool | None) -> None:
    from outreach.tui.factory import build_app, freeze_startup_objects  # imports Textual

    if engine is False:
        app = build_app(sequences_dir=sequences_dir, engine_factory=None)
    else:
        app = build_app(sequences_dir=sequences_dir, start_engine=engine is True)
    freeze_startup_objects()
    app.run()
