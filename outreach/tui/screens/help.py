"""Help: what each view is for and its keys (read from the bindings themselves)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from outreach.i18n import N_, _
from outreach.tui.bindings import Translated


def intro() -> str:
    """What outreach is, the keys everywhere and the key scheme, in the rep's language."""
    parts = [
        "# " + _("outreach — your cockpit"),
        _(
            "Sends each step of your sequences through **your own mailbox** at human pace, "
            "and stops the follow-ups the moment someone answers. The engine sends only "
            "while it runs: here (**ctrl+e** runs it, and stops it again) or as "
            "`outreach run` / the daemon elsewhere."
        ),
        _(
            "**ctrl+p** opens the command palette: every action, by name. **ctrl+t** "
            "switches between the light and the dark theme. **ctrl+q** quits (a send in "
            "flight is finished first)."
        ),
        "## " + _("One key, one meaning"),
        _(
            "A letter means the same wherever it appears, and a view offers it only when it "
            "applies (no \"start\" for a running campaign, no \"resume\" for an active "
            "mailbox):"
        ),
        table((f"`{key}`", _(does)) for key, does in KEY_SCHEME),
    ]
    return "\n\n".join(parts)


KEY_SCHEME = (
    ("1`–`6", N_("go to a view")),
    ("7", N_("your tasks (calls, LinkedIn, to-dos)")),
    ("Enter", N_("open the highlighted row")),
    ("Esc", N_("leave a field (to the list), then go back / close")),
    ("a", N_("add: a new campaign, a mailbox, a prospect to a campaign")),
    ("s", N_("start a draft campaign (the addresses are checked first)")),
    ("p` / `r", N_("pause / resume the highlighted campaign or mailbox")),
    ("e", N_("edit (a mailbox; a sequence in $EDITOR)")),
    ("g", N_("sign a mailbox in (OAuth: Microsoft 365, Google, your issuer)")),
    ("l", N_("the plan of a campaign")),
    ("w", N_("write a CSV export (Excel or plain)")),
    ("i", N_("import prospects (on Prospects); interested (in the Inbox)")),
    ("y` `c` `d", N_("in the Inbox: accept a reply's intent, change it, defer (snooze) the reply")),
    ("t` `h` `o", N_("in the Inbox: take the referral (enroll), mark handled, open the thread")),
    ("/` `f", N_("search; filter")),
    ("m` `v` `k", N_("on Tasks: reached, no answer, skip")),
    ("n` / `b", N_("next / previous page")),
    ("^e", N_("run or stop the engine here")),
)
"""The key scheme: each letter and what it means wherever it appears."""


def table(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column Markdown table: key, what it does."""
    head = "| {key} | {does} |\n|---|---|".format(key=_("key"), does=_("does"))
    return "\n".join([head, *(f"| {key} | {does} |" for key, does in rows)])


KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter"}


def key_names(keys: str) -> str:
    """``question_mark,f1`` → ``? / f1``; ``ctrl+t`` → ``^t``."""
    names = (KEY_NAMES.get(k, k).replace("ctrl+", "^") for k in keys.split(","))
    return " / ".join(names)


def keys_table(bindings: Iterable[BindingType]) -> str:
    rows = [
        (f"`{b.key_display or key_names(b.key)}`", _(b.description))
        for b in bindings
        if isinstance(b, Binding) and b.description
    ]
    return table(rows) if rows else _("(no keys of its own)")


def help_text(
    app_bindings: Iterable[BindingType], screens: Iterable[tuple[str, type[Screen[Any]]]]
) -> str:
    parts = [intro(), "## " + _("Everywhere"), keys_table(app_bindings)]
    for title, screen in screens:
        about = getattr(screen, "ABOUT", "")
        parts += [f"## {title}", _(about) if about else "", keys_table(screen.BINDINGS)]
    return "\n\n".join(parts)


class HelpScreen(ModalScreen[None], Translated):
    """Escape closes."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", N_("Close"))]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(RichMarkdown(self.text), id="help-text")
