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

INTRO = """\
# outreach — your cockpit

Sends each step of your sequences through **your own mailbox** at human pace, and stops
the follow-ups the moment someone answers. The engine sends only while it runs: here
(**ctrl+e** runs it, and stops it again) or as `outreach run` / the daemon elsewhere.

**ctrl+p** opens the command palette: every action, by name. **ctrl+t** switches between
the light and the dark theme. **ctrl+q** quits (a send in flight is finished first).

## One key, one meaning

A letter means the same wherever it appears, and a view offers it only when it applies
(no "start" for a running campaign, no "resume" for an active mailbox):

| key | does |
|---|---|
| `1`–`6` | go to a view; `7`: your tasks (calls, LinkedIn, to-dos) |
| `Enter` | open the highlighted row |
| `Esc` | leave a field (to the list), then go back / close |
| `a` | add: a new campaign, a mailbox, a prospect to a campaign |
| `s` | start a draft campaign (the addresses are checked first) |
| `p` / `r` | pause / resume the highlighted campaign or mailbox |
| `e` | edit (a mailbox; a sequence in $EDITOR) |
| `g` | sign a mailbox in (OAuth: Microsoft 365, Google, your issuer) |
| `l` | the plan of a campaign |
| `w` | write a CSV export (Excel or plain) |
| `i` | import prospects (on Prospects); interested (in the Inbox) |
| `y` `c` `d` | in the Inbox: accept a reply's intent, change it, defer (snooze) the reply |
| `t` `h` `o` | in the Inbox: take the referral (enroll), mark handled, open the thread |
| `/` `f` | search; filter |
| `m` `v` `k` | on Tasks: reached, no answer, skip |
| `n` / `b` | next / previous page |
| `^e` | run or stop the engine here |
"""


KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter"}


def key_names(keys: str) -> str:
    """``question_mark,f1`` → ``? / f1``; ``ctrl+t`` → ``^t``."""
    names = (KEY_NAMES.get(k, k).replace("ctrl+", "^") for k in keys.split(","))
    return " / ".join(names)


def keys_table(bindings: Iterable[BindingType]) -> str:
    rows = [
        f"| `{b.key_display or key_names(b.key)}` | {b.description} |"
        for b in bindings
        if isinstance(b, Binding) and b.description
    ]
    return "| key | does |\n|---|---|\n" + "\n".join(rows) if rows else "(no keys of its own)"


def help_text(
    app_bindings: Iterable[BindingType], screens: Iterable[tuple[str, type[Screen[Any]]]]
) -> str:
    parts = [INTRO, "## Everywhere", keys_table(app_bindings)]
    for title, screen in screens:
        doc = (screen.__doc__ or "").strip().splitlines()[0] if screen.__doc__ else ""
        parts += [f"## {title}", doc, keys_table(screen.BINDINGS)]
    return "\n\n".join(parts)


class HelpScreen(ModalScreen[None]):
    """Escape closes."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]
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
