"""A prospect's card and timeline, rendered as Rich tables (they wrap long texts)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from outreach import wording
from outreach.i18n import N_, _
from outreach.tui import format as fmt
from outreach.views.prospects import ProspectRow
from outreach.views.timeline import Timeline, TimelineEntry

KIND_STYLE = {
    "sent": "green",
    "scheduled": "cyan",
    "reply": "bold magenta",
    "auto_reply": "yellow",
    "bounce": "red",
    "unsubscribe": "red",
    "cancelled": "dim",
    "failed": "red",
}


def card(prospect: ProspectRow | None, timeline: Timeline, tz: ZoneInfo) -> RenderableType:
    """Who this is, whether they are suppressed, and where they are enrolled."""
    name = prospect.name if prospect and prospect.name else timeline.email
    head = Text(name, style="bold")
    if prospect is not None:
        head.append(f"  <{prospect.email}>  {prospect.company}  {prospect.timezone or ''}")
        if prospect.tags:
            head.append("  " + _("tags: {tags}").format(tags=", ".join(prospect.tags)),
                        style="dim")
        if prospect.suppressed:
            head.append("\n" + _("suppressed: {why}").format(why=prospect.suppressed),
                        style="bold red")
    table = Table(box=None, show_header=True, header_style="bold", expand=False)
    for label in (N_("campaign"), N_("state"), N_("reason"), N_("steps sent"), N_("next due")):
        table.add_column(_(label))
    for enrollment in timeline.enrollments:
        table.add_row(
            Text(enrollment.campaign),
            fmt.state_label(enrollment.state),
            Text(wording.reason(enrollment.reason) if enrollment.reason else ""),
            str(enrollment.steps_sent),
            fmt.local(enrollment.next_due_at, tz) if enrollment.next_due_at else "",
        )
    if not timeline.enrollments:
        return Group(head, Text(_("not in any campaign"), style="dim"))
    return Group(head, table)


def entries(timeline: Timeline, tz: ZoneInfo, now: datetime) -> RenderableType:
    """Every step sent or queued, every message back and what it caused, oldest first."""
    table = Table(expand=True, box=box.SIMPLE_HEAD, header_style="bold")
    table.add_column(_("when"), no_wrap=True, width=17)
    table.add_column(_("campaign"), no_wrap=True, width=12)
    table.add_column(_("what"), ratio=1)
    for entry in timeline.entries:
        table.add_row(fmt.local(entry.at, tz, now), Text(entry.campaign or ""), _what(entry))
    if not timeline.entries:
        table.add_row("", "", Text(_("nothing happened yet"), style="dim"))
    return table


def _what(entry: TimelineEntry) -> Text:
    text = Text(entry.title, style=KIND_STYLE.get(entry.kind, ""))
    if entry.detail:
        text.append(f"\n{entry.detail}", style="")
    for effect in entry.caused:
        text.append(f"\n  → {effect}", style="italic")
    return text
