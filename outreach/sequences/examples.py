"""The example sequences that ship in the package (``outreach sequence new --example de``).

They live in ``outreach/data/sequences/example-NAME.yaml``; the repository's top-level
``sequences/`` folder links to the same files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from outreach.errors import NotFoundError
from outreach.i18n import _

_FOLDER = ("outreach.data", "sequences")
_NAME_LINE = re.compile(r"^name:\s*(.+?)\s*$", re.M)


@dataclass(frozen=True)
class Example:
    """One shipped example: ``de`` → ``example-de.yaml``."""

    name: str
    title: str
    """The sequence's own ``name:``."""
    text: str


def examples() -> list[Example]:
    """Every shipped example, by name."""
    return sorted((_example(f) for f in _files()), key=lambda e: e.name)


def example(name: str) -> Example:
    """The example called ``name``.

    Raises:
        NotFoundError: there is none; the message lists those there are.
    """
    found = {e.name: e for e in examples()}
    if name not in found:
        raise NotFoundError(
            _("no example sequence {name}: there are {names}").format(
                name=repr(name), names=", ".join(found)
            )
        )
    return found[name]


def _files() -> list[Traversable]:
    folder = resources.files(_FOLDER[0]).joinpath(_FOLDER[1])
    return [f for f in folder.iterdir() if f.name.startswith("example-")
            and f.name.endswith(".yaml")]


def _example(file: Traversable) -> Example:
    text = file.read_text(encoding="utf-8")
    title = _NAME_LINE.search(text)
    name = file.name.removeprefix("example-").removesuffix(".yaml")
    return Example(name, title.group(1) if title else name, text)
