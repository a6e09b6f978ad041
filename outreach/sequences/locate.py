"""Placing a finding at ``file:line:column`` using the positions recorded while reading YAML.

Template findings carry a line inside the template; for a ``|`` block the template's first
line is the line after the key, for an inline string it is the key's own line.
"""

from __future__ import annotations

import re

from .problems import Problem
from .yamlsource import Position, YamlDocument

_LAST_PART = re.compile(r"(\.[^.\[]+|\[\d+\])$")


def locate(problem: Problem, document: YamlDocument, text: str, filename: str, *,
           at_key: bool = False) -> Problem:
    """``problem`` with ``file``/``line``/``column`` filled in from ``document``."""
    if problem.file is not None or not document.values:
        return problem
    positions = document.keys if at_key else document.values
    found = _position(problem.path, positions)
    if found is None:
        return problem.located(filename, None, None)
    position, exact = found
    if problem.line is None or not exact:
        return problem.located(filename, position.line, position.column)
    line, column = _in_template(position, problem.line, problem.column, text.splitlines())
    return problem.located(filename, line, column)


def _position(path: str, positions: dict[str, Position]) -> tuple[Position, bool] | None:
    """The position of ``path``, else of its nearest ancestor (``exact`` False)."""
    for candidate in (path, _as_single_variant(path)):
        if candidate in positions:
            return positions[candidate], True
    while path:
        path = _LAST_PART.sub("", path)
        if path in positions:
            return positions[path], False
    return (positions[""], False) if "" in positions else None


def _as_single_variant(path: str) -> str:
    """``steps[1].body`` → ``steps[1].variants[0].body`` (one variant written as a list)."""
    return re.sub(r"^(steps\[\d+\])\.(subject|body|html)$", r"\1.variants[0].\2", path)


def _in_template(position: Position, line: int, column: int | None,
                 lines: list[str]) -> tuple[int, int | None]:
    if position.block:
        indent = _block_indent(lines, position.line)
        return position.line + line, indent + (column or 1)
    if line > 1:
        return position.line + line - 1, None
    if column is None:
        return position.line, position.column
    return position.line, position.column + (1 if position.quoted else 0) + column - 1


def _block_indent(lines: list[str], header_line: int) -> int:
    """Indentation of a block scalar: that of its first non-blank line."""
    for text in lines[header_line:]:
        if text.strip():
            return len(text) - len(text.lstrip(" "))
    return 0
