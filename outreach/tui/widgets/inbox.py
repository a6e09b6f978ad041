"""The inbox's reading pane: who wrote, what it was taken for and what it means, their own
words apart from the quote, and what it did to the sequences; the table's intent cells."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from outreach import i18n
from outreach.i18n import _
from outreach.tui import format as fmt
from outreach.views.inbox import InboxItem

KIND_STYLE = {
    "reply": "bold magenta",
    "auto_reply": "yellow",
    "bounce": "red",
    "unsubscribe": "red",
    "other": "dim",
}


def kind_text(item: InboxItem, short: bool = False) -> Text:
    label = fmt.kind_short(item.kind) if short else fmt.kind_label(item.kind)
    text = Text(label, style=KIND_STYLE.get(item.kind, ""))
    if item.by_hand:
        text.append(" ✎", style="bold")
    if item.held:
        text.append(" ⚑ " + _("held"), style="bold yellow")
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
    text = Text(fmt.intent_label(item.intent), style=INTENT_STYLE.get(item.intent, ""))
    if item.intent_by_hand:
        text.append(" ✎", style="bold")
    elif item.confidence is not None:
        text.append(" " + i18n.percent(item.confidence, 0), style="dim")
    if item.needs_review:
        text.append(" ?", style="bold yellow")
    return text


def found_text(item: InboxItem) -> Text:
    """The day a "not now" named, or the referral(s); ``✓`` once handled, ``zz`` snoozed."""
    text = Text()
    if item.handled:
        text.append("✓ ", style="green")
    elif item.snoozed_until is not None:
        text.append(f"zz {fmt.dated(item.snoozed_until, 'day_month')} ", style="dim")
    if item.intent_until is not None:
        text.append(_("until {day}").format(day=fmt.dated(item.intent_until, "date")))
    elif item.referral:
        text.append("→ " + ", ".join(item.referral))
    return text


def interest_text(interest: str | None) -> Text:
    if interest == "interested":
        return Text("★ " + _("interested"), style="bold green")
    if interest == "not_interested":
        return Text(_("not interested"), style="dim")
    return Text("")


def detail(item: InboxItem | None, tz: ZoneInfo, now: datetime) -> RenderableType:
    """The whole reading pane for one message."""
    if item is None:
        return Text(_("No message selected."), style="dim")
    head = Text(item.subject or _("(no subject)"), style="bold")
    head.append("\n" + _("from {sender}  ·  {when}").format(
        sender=item.from_addr, when=fmt.local(item.received_at, tz, now)))
    head.append("\n" + _("campaign {name}  ·  prospect {prospect}").format(
        name=item.campaign or "—", prospect=item.prospect or "—"))
    if item.enrollment_state:
        head.append(f" ({fmt.state_label(item.enrollment_state)})")
    verdict = Text("\n" + _("classified as") + " ")
    verdict.append_text(kind_text(item))
    if item.by_hand:
        verdict.append(" " + _("by hand (classifier said {kind})").format(
            kind=fmt.kind_label(item.classified_as)))
    elif item.evidence:
        verdict.append(f"  ({item.evidence})", style="dim")
    verdict.append("  ")
    verdict.append_text(interest_text(item.interest))
    if item.held:
        verdict.append("\n" + _("held for review: {why}").format(why=item.held),
                       style="bold yellow")
        verdict.append("\n" + _("(it did nothing; re-classify it to act on it)"), style="dim")
    words = Text(item.new_text or _("(no text of their own)"),
                 style="bold" if item.new_text else "dim")  # fmt: skip
    parts: list[RenderableType] = [head, verdict]
    if item.intent is not None:
        parts.append(_meaning(item))
    parts.append(
        Panel(words, title=_("their words"), title_align="left", border_style="magenta")
    )
    if item.quoted:
        quote = Text(item.quoted, style="dim")
        parts.append(Panel(quote, title=_("quoted"), title_align="left", border_style="dim"))
    parts.append(_effects(item))
    return Group(*parts)


def _meaning(item: InboxItem) -> Text:
    """What the reply means and what was found in it: the day, the referral."""
    text = Text("\n" + _("means") + " ")
    text.append_text(intent_text(item))
    if item.intent_by_hand:
        text.append(" " + _("by hand (classifier said {kind})").format(
            kind=fmt.intent_label(item.classified_intent)))
    elif item.why:
        text.append(f"  ({'; '.join(item.why)})", style="dim")
    if item.intent_until is not None:
        text.append("\n" + _("later: from {day}").format(
            day=fmt.dated(item.intent_until, "weekday_date")))
    for email in item.referral:
        status = _("enrolled") if email in item.enrolled else (
            _("proposed: t to enroll") if email in item.proposed else _("named"))
        text.append("\n" + _("referral: {email} ({status})").format(email=email, status=status),
                    style="blue")
    if item.snoozed_until is not None and not item.handled:
        text.append("\n" + _("snoozed until {day}").format(
            day=fmt.dated(item.snoozed_until, "weekday_date")), style="dim")
    if item.handled:
        text.append("\n" + _("handled"), style="green")
    return text


def _effects(item: InboxItem) -> Text:
    text = Text(_("What it did"), style="bold")
    for effect in item.caused:
        text.append(f"\n  → {effect}")
    if not item.caused:
        text.append("\n  " + _("nothing (no live follow-ups were affected)"), style="dim")
    return text
