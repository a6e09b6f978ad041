"""Log output for people (text) and for log shippers (one JSON object per line).

Both formats carry the same lines: one per event the engine and the watcher report
(:func:`event_line`), times in ISO 8601 UTC, steps counted from 1. Libraries (Alembic,
imapclient, APScheduler …) only speak below WARNING with ``verbose``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN_LOGGER = "outreach"

RENAMED = {"give_up": "failed", "pause_mailbox": "mailbox_paused", "resumed": "person_resumed"}
"""Report kinds as the log names them (the engine's verdicts → what happened)."""
FIELD_NAMES = {"to": "prospect"}


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC (naive datetimes are UTC, as the store keeps them)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="seconds").replace("+00:00", "Z")


def _value(key: str, value: object) -> object:
    if isinstance(value, datetime):
        return iso_utc(value)
    if key == "step" and isinstance(value, int) and not isinstance(value, bool):
        return value + 1  # the engine counts steps from 0, people from 1
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def event_line(kind: str, info: Mapping[str, object]) -> tuple[str, dict[str, object]]:
    """A report of the engine or the watcher as the log writes it: ``(event, fields)``.

    An inbound message held for review is the event ``held`` (``classified_as`` says
    what it looked like)."""
    fields = {FIELD_NAMES.get(k, k): _value(k, v) for k, v in info.items()}
    if fields.get("held"):
        fields = {"classified_as": kind, **fields}
        kind = "held"
    return RENAMED.get(kind, kind), fields


def text_fields(fields: Mapping[str, object]) -> str:
    """``key=value`` pairs; values with spaces quoted (JSON string syntax)."""
    return " ".join(f"{k}={_text(v)}" for k, v in fields.items() if v is not None)


def _text(value: object) -> str:
    if isinstance(value, str) and value and " " not in value and '"' not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "event", …fields}`` per line; exceptions as ``exc``."""

    RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message", "fields"}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in self.RESERVED})
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            payload.update({k: v for k, v in fields.items() if k not in payload})
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class UtcTextFormatter(logging.Formatter):
    """The text format with ISO 8601 UTC times (``2026-01-05T09:00:00.123Z``)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


def configure(fmt: str = "text", level: int = logging.INFO, *, verbose: bool = False) -> None:
    """Log to stdout in ``fmt`` (``text`` or ``json``), replacing earlier handlers: our
    own loggers at ``level``, libraries at WARNING unless ``verbose``."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if fmt == "json" else UtcTextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if verbose else max(level, logging.WARNING))
    logging.getLogger(OWN_LOGGER).setLevel(level)
    for noisy in ("alembic", "imapclient", "apscheduler"):  # in case they set their own level
        logging.getLogger(noisy).setLevel(logging.NOTSET if verbose else logging.WARNING)
