"""The dashboard's regions: engine state, mailboxes today, the send queue, replies to
read, and today's counts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import Static

from outreach.i18n import N_, _
from outreach.tui import format as fmt
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.views.presence import EnginePresence
from outreach.views.today import Attention, Counts, MailboxToday, QueuedSend

STATE_STYLE = {"here": "bold green", "elsewhere": "bold cyan", "stopped": "bold yellow"}
STATE_TEXT = {
    "here": N_("● engine running here"),
    "elsewhere": N_("● engine running elsewhere"),
    "stopped": N_("○ engine stopped"),
}


class EnginePanel(Static):
    """Whether anything sends, and what the user can do about it."""

    DEFAULT_CSS = """
    EnginePanel { height: 4; width: 3fr; border: round $primary; padding: 0 1; }
    """

    def show(self, presence: EnginePresence, can_run: bool, error: str | None = None) -> None:
        text = Text(_(STATE_TEXT[presence.state]), style=STATE_STYLE[presence.state])
        text.append(f"  {presence.detail}", style="dim")
        if presence.state == "stopped":
            text.append("   " + _("^e: run it here while this window is open") if can_run else "")
        elif presence.state == "here":
            text.append("   " + _("^e: stop it"))
        else:
            text.append("   " + _("(commands go through the database)"))
        if presence.problem:
            text.append(f"\n{presence.problem}", style="bold red")
        if error:
            text.append("   " + _("last error: {error}").format(error=error), style="red")
        self.update(text)


class _Table(FittedTable):
    DEFAULT_CSS = """
    _Table { height: auto; max-height: 100%; }
    """


class MailboxesToday(_Table):
    """Per mailbox: sent today against its cap, countdown to its next send, paused or not."""

    COLS = (
        Col(N_("mailbox"), 16, 40, keep=9), Col(N_("today"), 12, 24, keep=9),
        Col(N_("next send"), 9, 14, keep=6, key="next send"), Col(N_("state"), 12, 60, keep=8),
    )  # fmt: skip

    def __init__(self, id: str | None = None) -> None:
        super().__init__(self.COLS, id=id)
        self.boxes: tuple[MailboxToday, ...] = ()

    def show(self, rows: tuple[MailboxToday, ...], now: datetime) -> None:
        self.boxes = rows
        self.show_rows(
            [(row.email, [row.email, _today(row), _next(row, now), _state(row)]) for row in rows]
        )

    def tick(self, now: datetime) -> None:
        """Count the next sends down (no database work)."""
        for row in self.boxes:
            self.set_cell(row.email, "next send", _next(row, now))


def _today(row: MailboxToday) -> Text:
    text = Text(row.day.text)
    text.highlight_words([" ramping"], style="dim")
    return text


def _next(row: MailboxToday, now: datetime) -> str:
    return "—" if row.paused else fmt.countdown(row.next_send_at, now)


def _state(row: MailboxToday) -> Text:
    if row.paused:
        return Text(_("paused: {why}").format(why=row.pause_reason or _("by hand")),
                    style="yellow")
    if row.warning:
        return Text(_("sending; {warning}").format(warning=row.warning), style="red")
    if row.day.cap_reached:
        return Text(_("cap reached for today"), style="cyan")
    return Text(_("sending"), style="green")


class SendQueue(_Table):
    """The next sends, soonest first."""

    COLS = (
        Col(N_("when"), 9, 16, keep=8), Col(N_("in"), 8, 10, keep=4), Col(N_("to"), 16, 40, keep=9),
        Col(N_("step"), 4, 7, keep=7), Col(N_("campaign"), 10, 30, keep=8),
        Col(N_("mailbox"), 14, 40, keep=3),
    )  # fmt: skip

    def __init__(self, id: str | None = None) -> None:
        super().__init__(self.COLS, id=id)

    def show(self, queue: tuple[QueuedSend, ...], now: datetime, tz: ZoneInfo) -> None:
        rows = [
            (
                str(n),
                [
                    fmt.local(item.due_at, tz, now), fmt.countdown(item.due_at, now),
                    item.email, str(item.step), item.campaign, item.mailbox,
                ],
            )  # fmt: skip
            for n, item in enumerate(queue)
        ]
        self.show_rows(rows)


class RepliesToRead(_Table):
    """Replies nobody marked interested or not; Enter opens them in the Inbox."""

    COLS = (
        Col(N_("received"), 9, 16, keep=4), Col(N_("from"), 14, 40, keep=8),
        Col(N_("subject"), 14, 80, keep=9), Col(N_("campaign"), 8, 30, keep=3),
    )  # fmt: skip

    def __init__(self, id: str | None = None) -> None:
        super().__init__(self.COLS, id=id)

    def show(self, items: tuple[Attention, ...], now: datetime, tz: ZoneInfo) -> None:
        rows = [
            (
                str(item.inbound_id),
                [
                    fmt.local(item.received_at, tz, now), item.from_addr, item.subject,
                    item.campaign or "",
                ],
            )  # fmt: skip
            for item in items
        ]
        self.show_rows(rows)


class TodayCounts(Static):
    """Sent, replies, bounces and opt-outs: today, and bounces/opt-outs in all campaigns."""

    DEFAULT_CSS = """
    TodayCounts { height: 5; width: 2fr; }
    """

    def show(self, counts: Counts, attention_total: int) -> None:
        text = Text()
        today, total = counts.today, counts.total
        n = fmt.number
        text.append(_("sent today {count}").format(count=n(today.sent)), style="bold")
        text.append("   " + _("replied {count}").format(count=n(today.replied)))
        text.append(
            "   " + _("to read {count}").format(count=n(attention_total)),
            style="bold magenta" if attention_total else "",
        )
        tasks = counts.tasks
        if tasks.open:  # only when there are any: a rep without task steps sees nothing new
            due = _("tasks {count} (7)").format(count=n(tasks.open))
            if tasks.overdue:
                due += " " + _("{count} overdue").format(count=n(tasks.overdue))
            text.append(f"   {due}", style="bold red" if tasks.overdue else "bold yellow")
        text.append("\n" + _("bounced {today} / {all}").format(
            today=n(today.bounced), all=n(total.bounced)))
        text.append("   " + _("unsubscribed {today} / {all}").format(
            today=n(today.unsubscribed), all=n(total.unsubscribed)))
        text.append("\n" + _("to answer:") + " ", style="bold")
        waiting = [f"{fmt.intent_label(intent)} {n(count)}"
                   for intent, count in counts.to_answer.items()]  # fmt: skip
        text.append(" · ".join(waiting) or _("nothing"),
                    style="bold magenta" if waiting else "dim")
        self.update(text)
