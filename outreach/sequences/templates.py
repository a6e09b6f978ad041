"""Jinja2 side of message templates: the sandboxed environments, syntax checks and which
merge fields a template needs.

Templates are checked on their spintax-masked source (same lines, every option's text
kept), so a line number reported here is the line the author wrote. ``StrictUndefined``
makes a missing field an error; ``default(...)`` and ``is defined`` are the fallbacks.
Block tags standing on a line of their own vanish with that line (``trim_blocks`` and
``lstrip_blocks``); a ``{% … %}`` at the end of a text line swallows its line break, so
put ``{% if %}``/``{% endif %}`` on their own lines.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from outreach.i18n import _

from .spintax import SpintaxError, covering_expansions, mask_spintax

_FALLBACK_FILTERS = frozenset({"default", "d"})
_FALLBACK_TESTS = frozenset({"defined", "undefined"})
_TEMPLATE_FILE = "<template>"


def _environment(*, html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=html, trim_blocks=True, lstrip_blocks=True
    )


_ENVIRONMENTS = {False: _environment(html=False), True: _environment(html=True)}


@dataclass(frozen=True)
class TemplateIssue:
    """A syntax problem inside one template; ``line``/``column`` are 1-based in the template."""

    message: str
    hint: str
    line: int
    column: int | None = None


@dataclass(frozen=True)
class FieldUse:
    """A merge field a template reads, where first, and whether it always has a fallback."""

    name: str
    line: int
    has_fallback: bool


@functools.lru_cache(maxsize=1024)
def compile_template(source: str, *, html: bool) -> Template:
    """Compile spintax-free ``source`` in the sandbox (cached: templates repeat per prospect)."""
    return _ENVIRONMENTS[html].from_string(source)


def syntax_issue(source: str, *, html: bool = False) -> TemplateIssue | None:
    """The first spintax or Jinja syntax problem in ``source``, or None when it is fine."""
    try:
        masked = mask_spintax(source)
    except SpintaxError as error:
        return TemplateIssue(error.message, error.hint, error.line, error.column)
    env = _ENVIRONMENTS[html]
    try:
        env.parse(masked)
        for expansion in covering_expansions(source):
            env.parse(expansion)
    except TemplateSyntaxError as error:
        return _jinja_issue(error, masked)
    return None


def _jinja_issue(error: TemplateSyntaxError, masked: str) -> TemplateIssue:
    hint = _("check the {{ … }} / {% … %} tags on that line (Jinja2 syntax)")
    try:
        _ENVIRONMENTS[False].parse(masked)
    except TemplateSyntaxError:
        return TemplateIssue(_("template syntax error: {error}").format(error=error.message),
                             hint, error.lineno)
    return TemplateIssue(
        _("template syntax error in one spintax choice: {error}").format(error=error.message),
        _("keep each {% if %}…{% endif %} block inside a single spintax option"), error.lineno)


@functools.lru_cache(maxsize=1024)
def field_uses(source: str) -> tuple[FieldUse, ...]:
    """Merge fields ``source`` reads, first use first; call only when ``syntax_issue`` is
    None. A field counts as having a fallback only if every use of it has one."""
    env = _ENVIRONMENTS[False]
    tree = env.parse(mask_spintax(source))
    names = meta.find_undeclared_variables(tree) - set(env.globals)
    guarded_anywhere = {n.name for n, parent in _names(tree) if _is_defined_test(parent)}
    uses: dict[str, FieldUse] = {}
    for node, parent in _names(tree):
        if node.name not in names:
            continue
        fallback = node.name in guarded_anywhere or _has_fallback(node, parent)
        seen = uses.get(node.name)
        if seen is None or (seen.has_fallback and not fallback):
            uses[node.name] = FieldUse(node.name, node.lineno, fallback)
    return tuple(uses.values())


def _names(tree: nodes.Node) -> Iterator[tuple[nodes.Name, nodes.Node]]:
    """Every ``Name`` read in ``tree``, in source order, with its parent node."""
    for child in tree.iter_child_nodes():
        if isinstance(child, nodes.Name) and child.ctx == "load":
            yield child, tree
        yield from _names(child)


def _has_fallback(node: nodes.Name, parent: nodes.Node) -> bool:
    if isinstance(parent, nodes.Filter) and parent.name in _FALLBACK_FILTERS:
        return parent.node is node
    return _is_defined_test(parent)


def _is_defined_test(parent: nodes.Node) -> bool:
    return isinstance(parent, nodes.Test) and parent.name in _FALLBACK_TESTS


def template_line(traceback: TracebackType | None) -> int | None:
    """The template line an exception raised during ``Template.render`` came from."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == _TEMPLATE_FILE:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
