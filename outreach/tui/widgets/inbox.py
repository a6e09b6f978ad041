"""The inbox's reading pane: who wrote, what it was taken for, their own words, and what
it did to the sequences."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from outreach.tui import format as fmt
from outreach.views.inbox import InboxItem

KIND_STYLE = {
    "reply": "bold magenta",
    "auto_reply": "yellow",
    "bounce": "red",
    "unsubscribe": "red",
    "other": "dim",
}


def kind_text(item: InboxItem) -> Text:
    text = Text(fmt.kind_label(item.kind), style=KIND_STYLE.get(item.kind, ""))
    if item.by_hand:
        text.append(" ✎", style="bold")
    if item.held:
        text.append(" ⚑ held", style="bold yellow")
    return text


def interest_text(interest: str | None) -> Text:
    if interest == "interested":
        return Text("★ interested", style="bold green")
    if interest == "not_interested":
        return Text("not interested", style="dim")
    return Text("")


def detail(item: InboxItem | None, tz: ZoneInfo, now: datetime) -> RenderableType:
    """The whole reading pane for one message."""
    if item is None:
        return Text("No message selected.", style="dim")
    head = Text(item.subject or "(no subject)", style="bold")
    head.append(f"\nfrom {item.from_addr}  ·  {fmt.local(item.received_at, tz, now)}")
    head.append(f"\ncampaign {item.campaign or '—'}  ·  prospect {item.prospect or '—'}")
    head.append(f" ({item.enrollment_state})" if item.enrollment_state else "")
    verdict = Text("\nclassified as ")
    verdict.append_text(kind_text(item))
    if item.by_hand:
        verdict.append(f" by hand (classifier said {fmt.kind_label(item.classified_as)})")
    elif item.evidence:
        verdict.append(f"  ({item.evidence})", style="dim")
    verdict.append("  ")
    verdict.append_text(interest_text(item.interest))
    if item.held:
        verdict.append(f"\nheld for review: {item.held}", style="bold yellow")
        verdict.append("\n(it did nothing; re-classify it to act on it)", style="dim")
    words = Text(item.new_text or "(no text of their own)", style="" if item.new_text else "dim")
    return Group(
        head, verdict, Panel(words, title="their words", title_align="left"), _effects(item)
    )


def _effects(item: InboxItem) -> Text:
    text = Text("What it did", style="bold")
    for effect in item.caused:
        text.append(f"\n  → {effect}")
    if not item.caused:
        text.append("\n  nothing (no live follow-ups were affected)", style="dim")
    return text
