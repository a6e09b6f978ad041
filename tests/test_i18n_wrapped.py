"""Every user-facing string goes through the translation catalog (issue 21).

An AST check over ``outreach/``: text given to click (echo, secho, help=, errors, prompts),
to Textual (Label, Static, Button, notify, Binding descriptions, placeholders, titles,
columns) and to our own errors must be ``_()`` / ``ngettext()`` / ``pgettext()`` (or
``N_()`` where it is translated later), never a bare literal or an f-string with words in it.
Strings without words (``"{name}: {value}"``, ``"—"``, markup) are fine.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "outreach"

TRANSLATORS = {"_", "ngettext", "pgettext", "N_"}

#: Calls whose positional arguments are shown to the rep (by the callee's last name).
SHOWN_POSITIONAL = {
    "echo", "secho", "ClickException", "UsageError", "BadParameter", "confirm", "prompt",
    "Label", "Static", "Button", "notify", "TabPane", "Checkbox", "RadioButton", "Switch",
    "add_column", "Tab", "Rule",
}
#: Keyword arguments that are shown to the rep, whatever the call.
SHOWN_KEYWORDS = {
    "help", "short_help", "prompt", "placeholder", "title", "sub_title", "tooltip",
    "description", "label", "message", "empty_text", "hint",
}
#: Errors whose text reaches the rep although they are not OutreachErrors (sequence check,
#: CSV import, autoconfig): their first argument is shown.
SHOWN_ERRORS = {"FieldError", "SpintaxError", "ConfigXmlError", "SentFolderMissing"}
#: Where ``ValueError`` texts become file:line:field messages (pydantic validators).
VALUE_ERRORS_SHOWN_IN = ("outreach/sequences/", "outreach/prospects/")

#: Modules not converted yet (each area removes itself when its strings are wrapped).
NOT_YET: set[str] = {
}

_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\[[/a-z #0-9_.=-]*\]|%\([a-z_]+\)[sd]|%[sdr]")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: not translatable: {self.text!r}"


def has_words(node: ast.AST) -> str | None:
    """The literal text of ``node`` if it has words a rep would read, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return has_words(node.left) or has_words(node.right)
    else:
        return None
    return text if _WORD.search(_PLACEHOLDER.sub("", text)) else None


def callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def error_classes() -> set[str]:
    """OutreachError and every class in the package derived from it (by name)."""
    bases: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                    for base in node.bases
                )
    shown = {"OutreachError", *SHOWN_ERRORS}
    grew = True
    while grew:
        before = len(shown)
        shown |= {name for name, parents in bases.items() if parents & shown}
        grew = len(shown) > before
    return shown


ERRORS = error_classes()


def findings_in(path: Path) -> list[Finding]:
    return findings_in_text(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def findings_in_text(text: str, relative: str) -> list[Finding]:
    found: list[Finding] = []
    for node in ast.walk(ast.parse(text, relative)):
        if isinstance(node, ast.Call) and callee(node) not in TRANSLATORS:
            found.extend(_call_findings(node, relative))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(_docstring_help(node, relative))
    return found


def _docstring_help(node: ast.FunctionDef | ast.AsyncFunctionDef, relative: str) -> list[Finding]:
    """A click command whose help is its docstring (docstrings are not translated)."""
    for decorator in node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and callee(decorator) in ("command", "group")
            and not any(k.arg == "help" for k in decorator.keywords)
            and ast.get_docstring(node)
        ):
            return [Finding(relative, node.lineno, f"docstring help of {node.name}()")]
    return []


def _call_findings(node: ast.Call, relative: str) -> list[Finding]:
    found: list[Finding] = []
    name = callee(node)
    if name in SHOWN_POSITIONAL or (name == "Binding" and len(node.args) >= 3):
        arguments = node.args[2:3] if name == "Binding" else node.args[:1]
    elif name in ERRORS or (name == "ValueError" and relative.startswith(VALUE_ERRORS_SHOWN_IN)):
        arguments = node.args[:1]
    else:
        arguments = []
    shown = [*arguments, *(k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS)]
    for argument in shown:
        text = has_words(argument)
        if text:
            found.append(Finding(relative, getattr(argument, "lineno", node.lineno), text))
    return found


def checked_files() -> list[Path]:
    return [
        path for path in sorted(PACKAGE.rglob("*.py"))
        if not any(path.relative_to(ROOT).as_posix().startswith(prefix) for prefix in NOT_YET)
    ]


def test_user_facing_strings_are_wrapped_for_translation() -> None:
    findings = [finding for path in checked_files() for finding in findings_in(path)]
    assert not findings, "\n".join(map(str, findings[:200])) + f"\n({len(findings)} in all)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('click.echo("Campaign started")', 1),
        ('click.echo(f"{n} first emails queued")', 1),
        ('click.echo(_("Campaign started"))', 0),
        ('click.echo(f"{name}: {value}")', 0),
        ('click.option("--x", help="More output")', 1),
        ('Binding("a", "add", "Add")', 1),
        ('Binding("a", "add", N_("Add"))', 0),
        ('raise ConfigError("bad step")', 1),
        ('raise ValueError("internal")', 0),
        ('raise ConfigError(_("bad step"), hint="fix the step")', 1),
        ('raise ConfigError(_("bad step"), hint=_("fix the step"))', 0),
        ('@group.command("x")\ndef x():\n    """Does x."""', 1),
        ('@group.command("x", help=_("Does x."))\ndef x():\n    """Does x."""', 0),
        ('self.notify("Saved " + name)', 1),
        ('Label("—")', 0),
    ],
)
def test_the_check_sees_bare_text(source: str, expected: int) -> None:
    """The check itself can fail: bare text in each shown position is found."""
    assert len(findings_in_text(source + "\n", "outreach/probe.py")) == expected
