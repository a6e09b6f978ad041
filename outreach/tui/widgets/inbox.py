"""The inbox's reading pane: who wrote, what it was taken for and what it means, their own
words apart from the quote, and what it did to the sequences; the table's intent cells."""

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


INTENT_STYLE = {
    "interested": "bold green",
    "question": "cyan",
    "not_now": "yellow",
    "referral": "bold blue",
    "wrong_person": "dim",
    "not_interested": "dim",
    "other": "",
}


def intent_text(item: InboxItem) -> Text:
    """``not now 90%``; ``other ?`` when it waits for review; ``✎`` set by hand."""
    if item.intent is None:
        return Text("")
    text = Text(item.intent.replace("_", " "), style=INTENT_STYLE.get(item.intent, ""))
    if item.intent_by_hand:
        text.append(" ✎", style="bold")
    elif item.confidence is not None:
        text.append(f" {item.confidence:.0%}", style="dim")
    if item.needs_review:
        text.append(" ?", style="bold yellow")
    return text


def found_text(item: InboxItem) -> Text:
    """The day a "not now" named, or the referral(s); ``✓`` once handled, ``zz`` snoozed."""
    text = Text()
    if item.handled:
        text.append("✓ ", style="green")
    elif item.snoozed_until is not None:
        text.append(f"zz {item.snoozed_until:%d %b} ", style="dim")
    if item.intent_until is not None:
        text.append(f"until {item.intent_until:%d %b %Y}")
    elif item.referral:
        text.append("→ " + ", ".join(item.referral))
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
    words = Text(item.new_text or "(no text of their own)",
                 style="bold" if item.new_text else "dim")  # fmt: skip
    parts: list[RenderableType] = [head, verdict]
    if item.intent is not None:
        parts.append(_meaning(item))
    parts.append(Panel(words, title="their words", title_align="left", border_style="magenta"))
    if item.quoted:
        quote = Text(item.quoted, style="dim")
        parts.append(Panel(quote, title="quoted", title_align="left", border_style="dim"))
    parts.append(_effects(item))
    return Group(*parts)


def _meaning(item: InboxItem) -> Text:
    """What the reply means and what was found in it: the day, the referral."""
    text = Text("\nmeans ")
    text.append_text(intent_text(item))
    if item.intent_by_hand:
        text.append(f" by hand (classifier said {str(item.classified_intent).replace('_', ' ')})")
    elif item.why:
        text.append(f"  ({'; '.join(item.why)})", style="dim")
    if item.intent_until is not None:
        text.append(f"\nlater: from {item.intent_until:%a %d %b %Y}")
    for email in item.referral:
        status = "enrolled" if email in item.enrolled else (
            "proposed: t to enroll" if email in item.proposed else "named")
        text.append(f"\nreferral: {email} ({status})", style="blue")
    if item.snoozed_until is not None and not item.handled:
        text.append(f"\nsnoozed until {item.snoozed_until:%a %d %b %Y}", style="dim")
    if item.handled:
        text.append("\nhandled", style="green")
    return text


def _effects(item: InboxItem) -> Text:
    text = Text("What it did", style="bold")
    for effect in item.caused:
        text.append(f"\n  → {effect}")
    if not item.caused:
        text.append("\n  nothing (no live follow-ups were affected)", style="dim")
    return text
