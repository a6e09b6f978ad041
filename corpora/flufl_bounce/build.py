"""Rebuild expected.jsonl from flufl.bounce's own detector test table.

    python build.py PATH/TO/flufl/bounce/_detectors/tests/detectors.py

Reads ``DATA`` from that file (module, file,
expected addresses[, is_temporary]) without importing it. One line per data file:
kind "bounce" when some detector test names recipients for it, else null (unlabelled).
"""

import ast
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = "flufl/bounce/_detectors/tests/detectors.py"
"""Where the table lives upstream."""


def table(source: Path) -> list[tuple]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in tree.body:
        names = [getattr(target, "id", "") for target in getattr(node, "targets", [])]
        if isinstance(node, ast.Assign) and "DATA" in names:
            return ast.literal_eval(node.value)
    raise SystemExit(f"no DATA table in {TABLE}")


def split_of(name: str) -> str:
    """Half the files (by a hash of the name, fixed before any was read) are held out."""
    return "held_out" if hashlib.sha1(name.encode()).digest()[0] % 2 else "dev"


def main() -> None:
    rows: dict[str, dict] = {}
    for entry in table(Path(sys.argv[1])):
        module, name, expected = entry[:3]
        temporary = bool(entry[3]) if len(entry) > 3 else False
        row = rows.setdefault(
            name, {"file": f"data/{name}", "recipients": [], "final": None, "detectors": []}
        )
        row["detectors"].append(module)
        addresses = [a.decode().lower() for a in expected]
        if addresses:
            row["recipients"] = sorted({*row["recipients"], *addresses})
            row["final"] = not temporary
    lines = []
    for path in sorted((HERE / "data").iterdir()):
        row = rows.get(path.name)
        labelled = bool(row and row["recipients"])
        recipients = row["recipients"] if labelled else []
        lines.append(
            {
                "file": f"data/{path.name}",
                "kind": "bounce" if labelled else None,
                "recipient": recipients[0] if len(recipients) == 1 else None,
                "recipients": recipients,
                "final": row["final"] if labelled else None,
                "hard": None,
                "reason": ("delayed" if labelled and row["final"] is False else None),
                "split": split_of(path.name),
                "label_source": (
                    f"{TABLE} DATA ({', '.join(row['detectors'])})"
                    if labelled
                    else "no detector test names recipients"
                ),
            }
        )
    (HERE / "expected.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
