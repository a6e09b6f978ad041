"""Reading sequence YAML safely while remembering where every key and value was written.

ruamel.yaml's round-trip loader builds no arbitrary objects and records line/column per
key (``.lc``); duplicate keys are an error. The result is plain Python data (dict, list,
str, int, float, bool, None) plus a map from field path to position, so later findings
can name ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString, ScalarString

from outreach.i18n import N_, SOURCE, _, current, number

from .problems import Problem, format_path

Loc = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
MAX_CHARS = 1_000_000
"""A sequence file is a few kilobytes; anything near this is not one."""
MAX_STEPS = 100
"""Steps per sequence: far beyond any real follow-up plan, small enough to check quickly."""


@dataclass(frozen=True)
class Position:
    """Where a key or value starts; ``line``/``column`` are 1-based."""

    line: int
    column: int
    block: bool = False
    """A ``|`` or ``>`` block scalar: its text starts on the next line."""
    quoted: bool = False
    """A quoted scalar: its text starts one column after ``column``."""


@dataclass
class YamlDocument:
    """Plain data of one YAML file plus the positions of its keys and values."""

    data: Any
    keys: dict[str, Position] = field(default_factory=dict)
    """Position of each mapping key (or list item), by field path such as ``steps[1].wait``."""
    values: dict[str, Position] = field(default_factory=dict)
    """Position of each value, by field path."""
    problems: list[Problem] = field(default_factory=list)
    """Findings made while reading (custom tags); the data is still usable."""


def _reader() -> YAML:
    reader = YAML(typ="rt")
    reader.preserve_quotes = True  # so template columns inside "…" can be computed
    return reader


def read_bounded(path: Path) -> str:
    """The file's text, at most one character over :data:`MAX_CHARS` (which
    :func:`parse_yaml` then refuses): a huge file is never read whole."""
    with path.open(encoding="utf-8") as file:
        return file.read(MAX_CHARS + 1)


def parse_yaml(text: str, filename: str) -> YamlDocument | Problem:
    """The document, or the one ``Problem`` that stops reading it: a syntax error (with
    source line and caret), an alias, a file too large or too deeply nested, too many steps."""
    if len(text) > MAX_CHARS:
        return Problem("", _("the file has more than {count} characters").format(
                           count=number(MAX_CHARS)),
                       _("a sequence is a few kilobytes: check this is the right file"),
                       line=1, column=1, file=filename)
    try:
        if alias := _first_alias(text, filename):
            return alias
        root = _reader().load(text)
        document = YamlDocument(data=None)
        document.keys[""] = document.values[""] = Position(1, 1)
        document.data = _plain(root, (), document, filename)
    except MarkedYAMLError as error:
        return syntax_problem(error, text, filename)
    except YAMLError as error:
        return Problem("", _("YAML error: {error}").format(error=error),
                       _("check the file is valid YAML"), file=filename)
    except RecursionError:
        return Problem("", _("the YAML is nested too deeply"), _("a sequence needs only a few "
                       "levels of indentation"), line=1, column=1, file=filename)
    return _too_many_steps(document, filename) or document


def _first_alias(text: str, filename: str) -> Problem | None:
    """Aliases (``*name``) are refused: a few lines of nested aliases expand to gigabytes.
    (Text without a ``*`` has none, and need not be parsed for them.)"""
    if "*" not in text:
        return None
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            mark = event.start_mark
            return Problem("", _("YAML aliases are not allowed ({alias})").format(
                               alias=f"*{event.anchor}"),
                           _("write the value out in full instead of &anchor/*alias"),
                           line=mark.line + 1, column=mark.column + 1, file=filename)
    return None


def _too_many_steps(document: YamlDocument, filename: str) -> Problem | None:
    steps = document.data.get("steps") if isinstance(document.data, dict) else None
    if not isinstance(steps, list) or len(steps) <= MAX_STEPS:
        return None
    where = document.keys.get("steps", Position(1, 1))
    return Problem("steps", _("{count} steps, over the limit of {limit}").format(
                       count=len(steps), limit=MAX_STEPS),
                   _("split the plan into several sequences (campaigns)"),
                   line=where.line, column=where.column, file=filename)


def _plain(node: Any, loc: Loc, document: YamlDocument, filename: str) -> Any:
    if isinstance(node, CommentedMap):
        _reject_tag(node, loc, document, filename)
        return {key: _child(node, key, loc + (_key(key),), document, filename) for key in node}
    if isinstance(node, CommentedSeq):
        _reject_tag(node, loc, document, filename)
        return [_item(node, i, loc + (i,), document, filename) for i in range(len(node))]
    return _scalar(node, loc, document, filename)


def _key(key: Any) -> str | int:
    return key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)


def _child(node: CommentedMap, key: Any, loc: Loc, document: YamlDocument,
           filename: str) -> Any:
    key_at, value_at = node.lc.key(key), node.lc.value(key)
    if key_at is not None and value_at is not None:
        document.keys[format_path(loc)] = Position(key_at[0] + 1, key_at[1] + 1)
        document.values[format_path(loc)] = _value_position(node[key], *value_at)
    return _plain(node[key], loc, document, filename)


def _item(node: CommentedSeq, index: int, loc: Loc, document: YamlDocument,
          filename: str) -> Any:
    item_at = node.lc.item(index)
    if item_at is not None:
        position = _value_position(node[index], *item_at)
        document.keys[format_path(loc)] = document.values[format_path(loc)] = position
    return _plain(node[index], loc, document, filename)


def _value_position(value: Any, line: int, column: int) -> Position:
    block = isinstance(value, LiteralScalarString | FoldedScalarString)
    quoted = isinstance(value, ScalarString) and not block and _is_quoted(value)
    return Position(line + 1, column + 1, block=block, quoted=quoted)


def _is_quoted(value: ScalarString) -> bool:
    return type(value).__name__ in ("DoubleQuotedScalarString", "SingleQuotedScalarString")


def _scalar(node: Any, loc: Loc, document: YamlDocument, filename: str) -> Any:
    if isinstance(node, TaggedScalar):
        if str(node.tag.value) == _STR_TAG:
            return str(node.value)
        _tag_problem(loc, document, filename)
        return str(node.value)
    if node is None or isinstance(node, bool):
        return node
    for plain_type in (int, float, str):
        if isinstance(node, plain_type):
            return plain_type(node)
    return node.isoformat() if isinstance(node, date) else str(node)


def _reject_tag(node: CommentedMap | CommentedSeq, loc: Loc, document: YamlDocument,
                filename: str) -> None:
    if node.tag.value is not None:
        _tag_problem(loc, document, filename)


def _tag_problem(loc: Loc, document: YamlDocument, filename: str) -> None:
    where = document.values.get(format_path(loc))
    document.problems.append(Problem(
        format_path(loc), _("YAML tags (!something) are not allowed in a sequence"),
        _("remove the tag and write plain text, numbers, lists and mappings"),
        line=where.line if where else None, column=where.column if where else None,
        file=filename))


def syntax_problem(error: MarkedYAMLError, text: str, filename: str) -> Problem:
    """A YAML syntax error as one problem: file:line:col, message, hint, line and caret."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    source_line = text.splitlines()[line] if line < len(text.splitlines()) else ""
    message = _("YAML syntax error: {problem}").format(
        problem=_yaml_problem(str(error.problem or error.context)))
    excerpt = f"    {source_line}\n    {' ' * column}^"
    return Problem("", message, _syntax_hint(error, source_line), line=line + 1,
                   column=column + 1, file=filename, excerpt=excerpt)


#: ruamel's wording of the usual syntax errors (English only) → ours, by how it starts.
_YAML_PROBLEMS = (
    ("mapping values are not allowed", N_("a colon inside a value")),
    ("found duplicate key", N_("a key appears twice in one mapping")),
    ("could not find expected ':'", N_("a key without a colon")),
    ("found character '\\t' that cannot start any token", N_("a tab character")),
    ("found a tab character", N_("a tab character")),
    ("expected <block end>", N_("indentation does not line up")),
    ("found undefined alias", N_("an alias that is not defined")),
    ("found unexpected end of stream", N_("the file ends inside a quoted or bracketed value")),
    ("did not find expected key", N_("indentation does not line up")),
)


def _yaml_problem(problem: str) -> str:
    """ruamel's problem in the rep's language when it is a usual one, else as it is
    (English keeps ruamel's own words: they name the key)."""
    if current() == SOURCE:
        return problem
    for start, ours in _YAML_PROBLEMS:
        if problem.startswith(start):
            return _(ours)
    return problem


def _syntax_hint(error: MarkedYAMLError, source_line: str) -> str:
    problem = str(error.problem or "")
    if "duplicate key" in problem:
        return _("each key may appear only once in a mapping: remove or rename one of them")
    if "\\t" in problem or "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
        return _("indent with spaces, not tabs")
    if ": {" in source_line or ": [" in source_line:
        return _('a value starting with { or [ is read as YAML structure: put the whole value in '
                 'quotes, e.g. subject: "{{ company }} and you"')
    if "mapping values are not allowed" in problem:
        return _('text containing ": " must be quoted, e.g. subject: "Re: your note"')
    return _("check indentation and quotes on this line (and the one before)")
