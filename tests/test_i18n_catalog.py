"""The German catalog is complete and current (issue 21).

``scripts/i18n.py check`` re-extracts every marked string from the source and fails when the
template is stale or the German catalogs (ours and click's) have an untranslated or fuzzy
entry. A translation must keep the original's ``{placeholders}``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
GERMAN = ROOT / "outreach" / "locale" / "de" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")


def test_catalogs_are_complete_and_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_translations_keep_their_placeholders() -> None:
    wrong: list[str] = []
    for path in sorted(GERMAN.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(ids) == 1:
                if sorted(PLACEHOLDER.findall(strings[0])) != sorted(PLACEHOLDER.findall(ids[0])):
                    wrong.append(f"{path.name}: {ids[0]!r} → {strings[0]!r}")
                continue
            # plural forms: each form uses only the original's placeholders, all of them in all
            allowed = {name for text in ids for name in PLACEHOLDER.findall(text)}
            used = [set(PLACEHOLDER.findall(text)) for text in strings if text]
            if any(form - allowed for form in used) or set().union(*used) != allowed:
                wrong.append(f"{path.name}: {ids[0]!r} → {strings!r}")
    assert not wrong, "\n".join(wrong)
