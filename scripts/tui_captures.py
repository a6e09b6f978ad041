"""Render every TUI screen of the fixed test world at 100×30 and 160×48 as plain text.

    PYTHONPATH=. python3 scripts/tui_captures.py OUT_DIR [--size 100x30 ...] [--only NAME ...]
                                                 [--lang de]

Writes ``OUT_DIR/<screen>-<W>x<H>.txt`` (what the terminal shows, one line per row) and
an ``index.txt`` listing them; the world is built afresh in a temporary folder (fixed
clock, UTC), so the captures are the same on every run. The screens and the keys that
reach them are those of the snapshot tests (``tests/test_tui_support.SCREENS``). With
``--lang de`` the app is built and run in German (the files are named ``<screen>-de-<W>x<H>``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _isolate(home: Path) -> None:
    """Everything in ``home``: database, keyring file; nothing of the user's is touched."""
    os.environ["OUTREACH_HOME"] = str(home / "home")
    os.environ.pop("OUTREACH_DB_URL", None)
    os.environ["XDG_DATA_HOME"] = str(home / "xdg-data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"


def screen_text(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips) + "\n"


async def capture(world: Any, name: str, keys: tuple[str, ...], after: Any,
                  size: tuple[int, int]) -> str:
    from tests.test_tui_support import make_app, reach

    app = make_app(world, sequences_dir=Path("sequences"))
    async with app.run_test(size=size) as pilot:
        await reach(pilot, keys, after)
        return screen_text(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the captures (created)")
    parser.add_argument("--size", action="append", help="WxH (default: 100x30 and 160x48)")
    parser.add_argument("--only", action="append", help="only these screens (by name)")
    parser.add_argument("--lang", default="en", help="the language of the screens (en, de)")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tui-captures-") as tmp:
        _isolate(Path(tmp))
        sys.path.insert(0, str(ROOT))
        import keyring.core

        keyring.core.init_backend()
        from outreach import i18n
        from tests.test_tui_support import SCREENS, SIZES, seed_world, write_leads

        lang = i18n.normalize(args.lang)
        if lang == i18n.SOURCE and not args.lang.lower().startswith(i18n.SOURCE):
            spoken = ", ".join(i18n.LANGUAGES)
            parser.error(f"--lang {args.lang}: not spoken here (one of {spoken})")
        tag = "" if lang == i18n.SOURCE else f"-{lang}"

        home = Path(os.environ["OUTREACH_HOME"])
        world = seed_world(home)
        write_leads(home)
        os.chdir(home)
        sizes = [tuple(int(n) for n in s.split("x")) for s in args.size] if args.size else SIZES
        written = []
        for name, keys, after in SCREENS:
            if args.only and name not in args.only:
                continue
            for width, height in sizes:
                world = _fresh(world, home, tmp)
                with i18n.language(lang):
                    text = asyncio.run(capture(world, name, keys, after, (width, height)))
                path = out / f"{name}{tag}-{width}x{height}.txt"
                path.write_text(text)
                written.append(path.name)
                print(path)
        (out / "index.txt").write_text("\n".join(written) + "\n")
    return 0


def _fresh(world: Any, home: Path, tmp: str) -> Any:
    """A copy of the seeded database for each capture (a screen may change data)."""
    import shutil

    from outreach.store import open_store
    from tests.test_tui_support import World

    seeded = Path(tmp) / "seeded.db"
    if not seeded.exists():
        with world.db.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        world.db.dispose()
        shutil.copy(home / "outreach.db", seeded)
    world.db.dispose()
    for leftover in home.glob("outreach.db*"):
        leftover.unlink()
    shutil.copy(seeded, home / "outreach.db")
    return World(open_store(), world.sequences, world.sequence)


if __name__ == "__main__":
    raise SystemExit(main())
