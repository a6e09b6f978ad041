"""Generate N prospect rows as a German-Excel-style CSV and time importing them.

Usage: PYTHONPATH=. python bench/import_scale.py [ROWS]  (default 100000, throw-away home)

Prints the time and rows/s for reading+validating, the first import (all inserts) and a
re-import of the same file with a new tag (all existing rows: the update/tag path).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")
ZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "America/New_York", "")


def write_csv(path: Path, rows: int) -> None:
    lines = ["Vorname;Nachname;Firma;E-Mail;Position;Zeitzone;Branche"]
    for i in range(rows):
        lines.append(
            f"Jürgen{i};Müller{i};Firma {i % 997} GmbH;person.{i}@firma{i % 997}.test;"
            f"Einkauf;{ZONES[i % len(ZONES)]};Maschinenbau"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def timed(label: str, rows: int, action: Callable[[], _T]) -> _T:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    print(f"{label:<28}{seconds:7.2f} s  {rows / seconds:10,.0f} rows/s")
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as home:
        os.environ["OUTREACH_HOME"] = home
        os.environ.pop("OUTREACH_DB_URL", None)
        from outreach.prospects import parse_prospects, read_csv_text
        from outreach.prospects.service import import_prospects
        from outreach.store import open_store

        path = Path(home) / "leads.csv"
        write_csv(path, rows)
        engine = open_store()
        total = time.perf_counter()
        parsed = timed("read + validate", rows, lambda: parse_prospects(read_csv_text(path)))
        first = timed("import (insert)", rows, lambda: import_prospects(engine, parsed, tags=["a"]))
        print(f"{'total first import':<28}{time.perf_counter() - total:7.2f} s")
        update = lambda: import_prospects(engine, parsed, tags=["b"])  # noqa: E731
        again = timed("re-import (update, +tag)", rows, update)
        print(f"created={first.created} updated={again.updated} rejected={len(parsed.rejected)}")


if __name__ == "__main__":
    main()
