"""``outreach init``: create or upgrade the database."""

from __future__ import annotations

import click

from outreach.store import prepare_store


@click.command()
def init() -> None:
    """Create the database, or upgrade it to this version's schema (safe to repeat).

    Before upgrading a SQLite database, a copy of it is written next to it (path on stderr).
    """
    engine, done = prepare_store()
    url = engine.url.render_as_string(hide_password=True)
    if done.before == done.after:
        click.echo(f"database is up to date (schema {done.after}) at {url}")
    else:
        verb = "created" if done.before is None else "upgraded"
        click.echo(f"database {verb} (schema {done.after}) at {url}")
