"""Where outreach keeps its data: ``$OUTREACH_HOME`` or the platform's user dirs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "outreach"


def home_dir() -> Path:
    """The data directory (created 0700 on first use)."""
    env = os.environ.get("OUTREACH_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME))
    return _ensure_private_dir(path)


def config_dir() -> Path:
    """User-editable configuration (rules files); inside ``$OUTREACH_HOME`` when set."""
    env = os.environ.get("OUTREACH_HOME")
    if env:
        return _ensure_private_dir(Path(env).expanduser() / "config")
    return _ensure_private_dir(Path(platformdirs.user_config_dir(APP_NAME)))


def database_url() -> str:
    """``$OUTREACH_DB_URL`` if set, else a SQLite file in :func:`home_dir`."""
    url = os.environ.get("OUTREACH_DB_URL")
    if url:
        return url
    return f"sqlite:///{home_dir() / 'outreach.db'}"


def _ensure_private_dir(path: Path) -> Path:
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
    return path
