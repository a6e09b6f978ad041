"""``outreach init``: create or upgrade the database."""

from __future__ import annotations

import click

from outreach.i18n import _
from outreach.store import prepare_store


@click.command(
    help=_(
        "Create the database, or upgrade it to this version's schema (safe to repeat).\n\n"
        "Before upgrading a SQLite database, a copy of it is written next to it (path on "
        "stderr)."
    ),
)
def init() -> None:
    engine, done = prepare_store()
    url = engine.url.render_as_string(hide_password=True)
    if done.before == done.after:
        line = _("database is up to date (schema {schema}) at {url}")
    elif done.before is None:
        line = _("database created (schema {schema}) at {url}")
    else:
        line = _("database upgraded (schema {schema}) at {url}")
    click.echo(line.format(schema=done.after, url=url))
