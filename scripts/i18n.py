#!/usr/bin/env python3
"""The translation catalogs, kept with Babel.

    python3 scripts/i18n.py extract   # source → outreach/locale/outreach.pot
    python3 scripts/i18n.py update [--also OTHER.po ...]
                                      # pot → de/LC_MESSAGES/outreach.po (keeps translations;
                                      # fills untranslated entries from OTHER.po files, e.g.
                                      # both sides of a merge conflict)
    python3 scripts/i18n.py compile   # every .po → .mo beside it (the wheel build does this too)
    python3 scripts/i18n.py check     # exit 1 if the pot is stale or a catalog has
                                      # untranslated or fuzzy entries
    python3 scripts/i18n.py click     # click's own strings → locale/click.pot, de click.po

The source language is English; German lives in ``outreach/locale/de/LC_MESSAGES``.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "outreach" / "locale"
POT = LOCALE / "outreach.pot"
CLICK_POT = LOCALE / "click.pot"
TRANSLATED = ("de",)
METHOD_MAP = [("**.py", "python")]
HEADER = "Translations of outreach, the cold-outreach sequencer."


def po_path(language: str, domain: str = "outreach") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def extract_template(source: Path, project: str, relative_to: Path) -> Catalog:
    """Every marked string under ``source`` (``_``, ``N_``, ``ngettext``, ``pgettext``…)."""
    template = Catalog(project=project, header_comment=f"# {HEADER}", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source), METHOD_MAP, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        where = (source / filename).relative_to(relative_to).as_posix()
        template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False,
             include_previous=False)
    # no creation/revision dates: the file changes only when a message does
    lines = [
        line for line in buffer.getvalue().split(b"\n")
        if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date'))
    ]
    path.write_bytes(b"\n".join(lines))


def extract() -> Catalog:
    template = extract_template(ROOT / "outreach", "outreach", ROOT)
    write(template, POT)
    print(f"{POT.relative_to(ROOT)}: {len(template)} messages")
    return template


def update(also: Iterable[Path] = (), domain: str = "outreach") -> None:
    template = read(POT if domain == "outreach" else CLICK_POT)
    donors = [read(path) for path in also]
    for language in TRANSLATED:
        path = po_path(language, domain)
        if path.exists():
            catalog = read(path)
        else:
            catalog = Catalog(locale=language, project="outreach", fuzzy=False,
                              header_comment=f"# {HEADER}")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        filled = 0
        for message in catalog:
            if not message.id or message.string and _complete(message.string):
                continue
            for donor in donors:
                found = donor.get(message.id, message.context)
                if found is not None and found.string and _complete(found.string):
                    message.string = found.string
                    message.flags.discard("fuzzy")
                    filled += 1
                    break
        write(catalog, path)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, "
              f"{len(untranslated(catalog))} untranslated, {filled} filled from --also")


def _complete(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def untranslated(catalog: Catalog) -> list[str]:
    return [
        str(message.id) for message in catalog
        if message.id and (not _complete(message.string) or message.fuzzy)
    ]


def compile_all() -> None:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        compile_one(po, po.with_suffix(".mo"))


def compile_one(po: Path, mo: Path) -> None:
    catalog = read(po)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


def check() -> int:
    problems: list[str] = []
    fresh = extract_template(ROOT / "outreach", "outreach", ROOT)
    stored = read(POT)
    new = {(m.id if isinstance(m.id, str) else m.id[0]) for m in fresh if m.id}
    old = {(m.id if isinstance(m.id, str) else m.id[0]) for m in stored if m.id}
    for missing in sorted(new - old):
        problems.append(f"{POT.relative_to(ROOT)}: stale, lacks {missing!r}")
    for gone in sorted(old - new):
        problems.append(f"{POT.relative_to(ROOT)}: stale, still has {gone!r}")
    for language in TRANSLATED:
        for domain in ("outreach", "click"):
            path = po_path(language, domain)
            if not path.exists():
                problems.append(f"{path.relative_to(ROOT)}: missing")
                continue
            catalog = read(path)
            for message in untranslated(catalog):
                problems.append(f"{path.relative_to(ROOT)}: untranslated or fuzzy: {message!r}")
            if domain == "outreach":
                translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
                for missing in sorted(new - translated):
                    problems.append(f"{path.relative_to(ROOT)}: lacks {missing!r}")
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problems: run `python3 scripts/i18n.py extract && "
              "python3 scripts/i18n.py update`, then translate the empty msgstr entries")
        return 1
    print("catalogs complete")
    return 0


def click_template() -> None:
    """click's own strings (its help and error texts), from the installed click."""
    import click

    source = Path(click.__file__).resolve().parent
    template = Catalog(project="click", header_comment=f"# {HEADER} (click's own strings)")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source), METHOD_MAP
    ):
        template.add(message, None, [(f"click/{filename}", lineno)],
                     auto_comments=comments, context=context)
    write(template, CLICK_POT)
    print(f"{CLICK_POT.relative_to(ROOT)}: {len(template)} messages")
    update(domain="click")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["extract", "update", "compile", "check", "click"])
    parser.add_argument("--also", type=Path, nargs="*", default=[])
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "update":
        update(args.also)
    elif args.command == "compile":
        compile_all()
    elif args.command == "check":
        return check()
    elif args.command == "click":
        click_template()
    return 0


if __name__ == "__main__":
    sys.exit(main())
