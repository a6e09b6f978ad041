"""Spintax: ``{Hi|Hello|Hey}`` picks one option per prospect, nesting ``{a|{b|c}}`` allowed.

Spintax is resolved on the template *source*, before Jinja2 sees it. Jinja regions
(``{{ … }}``, ``{% … %}``, ``{# … #}``) are copied through untouched, so every ``{`` left in
the text outside them is spintax and the resolved text contains no brace outside the copied
Jinja regions: resolution cannot create or break a Jinja tag, and prospect data (which only
enters at Jinja render time) is never read as spintax. Consequences for authors:

* ``{{`` always starts Jinja, so a group cannot *begin* with a nested group: write
  ``{Hi|{Hello|Hey}}``, not ``{{Hello|Hey}|Hi}``.
* A literal brace is written as Jinja: ``{{ '{' }}``.
* A group needs at least two options (``{Hi|}`` = "Hi" or nothing).

Choices are a pure function of (seed, group position): stable across restarts and versions.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from outreach.i18n import _

_JINJA_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_MAX_DEPTH = 20


@dataclass(frozen=True)
class Group:
    """One ``{a|b|c}``; ``ordinal`` is its position among all groups (pre-order)."""

    ordinal: int
    options: tuple[tuple[Node, ...], ...]


Node = str | Group
"""Plain text (including copied Jinja regions) or a spintax group."""

_Chooser = Callable[[Group], int]


@dataclass(frozen=True)
class Parsed:
    """A parsed template source."""

    nodes: tuple[Node, ...]
    delimiters: frozenset[int]
    """Offsets of the spintax ``{``, ``|`` and ``}`` characters."""


class SpintaxError(ValueError):
    """Broken spintax; ``line``/``column`` are 1-based within the template."""

    def __init__(self, message: str, hint: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.hint, self.line, self.column = message, hint, line, column


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``source``."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


def jinja_region_end(source: str, start: int) -> int:
    """Offset just past the Jinja tag starting at ``start`` (end of source if unclosed).

    Strings and nested braces (``{{ {"a": 1}["a"] }}``) inside the tag are skipped over.
    """
    closer = _JINJA_OPENERS[source[start:start + 2]]
    i, quote, depth = start + 2, "", 0
    while i < len(source):
        ch = source[i]
        if quote:
            i += 2 if ch == "\\" else 1
            quote = "" if ch == quote else quote
            continue
        if depth == 0 and source.startswith(closer, i):
            return i + 2
        if closer != "#}":
            quote = ch if ch in "'\"" else ""
            depth += (ch == "{") - (ch == "}" and depth > 0)
        i += 1
    return len(source)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source, self.i, self.groups = source, 0, 0
        self.delimiters: set[int] = set()

    def error(self, message: str, hint: str, offset: int) -> SpintaxError:
        return SpintaxError(message, hint, *line_and_column(self.source, offset))

    def sequence(self, opener: int | None, depth: int) -> tuple[Node, ...]:
        """Nodes up to the end, or (inside a group) up to its next '|' or '}'."""
        nodes: list[Node] = []
        start, src = self.i, self.source
        while self.i < len(src):
            if src[self.i:self.i + 2] in _JINJA_OPENERS:
                self.i = jinja_region_end(src, self.i)
            elif src[self.i] == "{":
                nodes += [src[start:self.i], self.group(depth + 1)]
                start = self.i
            elif src[self.i] in "|}" and opener is not None:
                break
            elif src[self.i] == "}":
                raise self.error(_("unbalanced '}' (no spintax group is open)"),
                                 _("remove it, or write a literal brace as {{ '}' }}"), self.i)
            else:
                self.i += 1
        else:
            if opener is not None:
                raise self.error(_("spintax group '{' is never closed"),
                                 _("close it with '}', e.g. {Hi|Hello}"), opener)
        nodes.append(src[start:self.i])
        return tuple(node for node in nodes if node != "")

    def group(self, depth: int) -> Group:
        """A group starting at the current '{'; leaves ``i`` just past its '}'."""
        opener = self.i
        if depth > _MAX_DEPTH:
            raise self.error(_("spintax nested too deeply"), _("flatten the groups"), opener)
        ordinal, options = self.groups, list[tuple[Node, ...]]()
        self.groups += 1
        while not options or self.source[self.i] == "|":
            self.delimiters.add(self.i)
            self.i += 1
            options.append(self.sequence(opener, depth))
        self.delimiters.add(self.i)
        self.i += 1
        if len(options) < 2:
            raise self.error(_("a spintax group needs at least two options separated by '|'"),
                             _("write e.g. {Hi|Hello}; for a literal brace write {{ '{' }}"),
                             opener)
        return Group(ordinal, tuple(options))


@functools.lru_cache(maxsize=512)
def parse_spintax(source: str) -> Parsed:
    """Parse ``source``; raises ``SpintaxError`` for unbalanced braces or one-option groups."""
    parser = _Parser(source)
    nodes = parser.sequence(None, 0)
    return Parsed(nodes, frozenset(parser.delimiters))


def resolve_spintax(source: str, seed: str) -> str:
    """The text with every group replaced by the option ``seed`` picks for it."""
    return _join(parse_spintax(source).nodes, lambda group: _pick(seed, group))


def _pick(seed: str, group: Group) -> int:
    digest = hashlib.blake2b(f"{seed}\x1f{group.ordinal}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % len(group.options)


def _join(nodes: tuple[Node, ...], choose: _Chooser) -> str:
    parts = (n if isinstance(n, str) else _join(n.options[choose(n)], choose) for n in nodes)
    return "".join(parts)


def spintax_expansion_count(text: str) -> int:
    """How many different texts the spintax in ``text`` can produce (1 = no spintax)."""
    return _count(parse_spintax(text).nodes)


def _count(nodes: tuple[Node, ...]) -> int:
    total = 1
    for node in nodes:
        if isinstance(node, Group):
            total *= sum(_count(option) for option in node.options)
    return total


def mask_spintax(source: str) -> str:
    """``source`` with the spintax delimiters blanked: same length and lines, every option's
    text kept, so Jinja errors and variables found in it point at the right line."""
    delimiters = parse_spintax(source).delimiters
    return "".join(" " if i in delimiters else ch for i, ch in enumerate(source))


def covering_expansions(source: str) -> list[str]:
    """A few resolutions that together use every option of every group at least once."""
    return _cover(parse_spintax(source).nodes)


def _cover(nodes: tuple[Node, ...]) -> list[str]:
    covers = [[n] if isinstance(n, str) else _cover_group(n) for n in nodes]
    width = max((len(cover) for cover in covers), default=1)
    return ["".join(cover[k % len(cover)] for cover in covers) for k in range(width)]


def _cover_group(group: Group) -> list[str]:
    return [text for option in group.options for text in _cover(option)]
