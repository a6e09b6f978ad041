"""``outreach init``: create or upgrade the database."""

from __future__ import annotations

import click

from outreach.store import make_engine, upgrade


@click.command()
def init() -> None:
    """Create the database, or upgrade it to this version's schema (safe to repeat)."""
    engine = make_engine()
    before, after = upgrade(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"database is up to date (schema {after}) at {url}")
    else:
        click.echo(
            f"database {'created' if before is None else 'upgraded'} (schema {after}) at {url}"
        )
