"""The dashboard's regions: engine state, mailboxes today, the send queue, replies to
read, and today's counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable, Static

from outreach.tui import format as fmt
from outreach.views.presence import EnginePresence
from outreach.views.today import Attention, Counts, MailboxToday, QueuedSend

STATE_STYLE = {"here": "bold green", "elsewhere": "bold cyan", "stopped": "bold yellow"}
STATE_TEXT = {
    "here": "● engine running here",
    "elsewhere": "● engine running elsewhere",
    "stopped": "○ engine stopped",
}


class EnginePanel(Static):
    """Whether anything sends, and what the user can do about it."""

    DEFAULT_CSS = """
    EnginePanel { height: 4; width: 3fr; border: round $primary; padding: 0 1; }
    """

    def show(self, presence: EnginePresence, can_run: bool, error: str | None = None) -> None:
        text = Text(STATE_TEXT[presence.state], style=STATE_STYLE[presence.state])
        text.append(f"  {presence.detail}", style="dim")
        if presence.state == "stopped":
            text.append("   r: run it here while this window is open" if can_run else "")
        elif presence.state == "here":
            text.append("   s: stop it")
        else:
            text.append("   (commands go through the database)")
        if presence.problem:
            text.append(f"\n{presence.problem}", style="bold red")
        if error:
            text.append(f"   last error: {error}", style="red")
        self.update(text)


class _Table(DataTable[Any]):
    DEFAULT_CSS = """
    _Table { height: auto; max-height: 100%; }
    """

    def __init__(self, *columns: tuple[str, int], id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns = columns

    def on_mount(self) -> None:
        for label, width in self._columns:  # fixed widths: no re-measuring on each load
            self.add_column(label, key=label, width=width)


class MailboxesToday(_Table):
    """Per mailbox: sent today against its cap, countdown to its next send, paused or not."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(("mailbox", 24), ("today", 15), ("next send", 11), ("state", 32), id=id)
        self.boxes: tuple[MailboxToday, ...] = ()

    def show(self, rows: tuple[MailboxToday, ...], now: datetime) -> None:
        self.boxes = rows
        self.clear()
        for row in rows:
            cells = fmt.plain(row.email, _today(row), _next(row, now), _state(row))
            self.add_row(*cells, key=row.email)

    def tick(self, now: datetime) -> None:
        """Count the next sends down (no database work)."""
        for row in self.boxes:
            self.update_cell(row.email, "next send", Text(_next(row, now)))


def _today(row: MailboxToday) -> Text:
    text = Text(row.day.text)
    text.highlight_words([" ramping"], style="dim")
    return text


def _next(row: MailboxToday, now: datetime) -> str:
    return "—" if row.paused else fmt.countdown(row.next_send_at, now)


def _state(row: MailboxToday) -> Text:
    if row.paused:
        return Text(f"paused: {row.pause_reason or 'by hand'}", style="yellow")
    if row.warning:
        return Text(f"sending; {row.warning}", style="red")
    if row.day.cap_reached:
        return Text("cap reached for today", style="cyan")
    return Text("sending", style="green")


class SendQueue(_Table):
    """The next sends, soonest first."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(
            ("when", 9),
            ("in", 10),
            ("to", 26),
            ("step", 4),
            ("campaign", 12),
            ("mailbox", 20),
            id=id,
        )

    def show(self, queue: tuple[QueuedSend, ...], now: datetime, tz: ZoneInfo) -> None:
        self.clear()
        for n, item in enumerate(queue):
            cells = fmt.plain(
                fmt.local(item.due_at, tz, now),
                fmt.countdown(item.due_at, now),
                item.email,
                str(item.step),
                item.campaign,
                item.mailbox,
            )
            self.add_row(*cells, key=str(n))


class RepliesToRead(_Table):
    """Replies nobody marked interested or not; Enter opens them in the Inbox."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(("received", 9), ("from", 22), ("subject", 28), ("campaign", 12), id=id)

    def show(self, items: tuple[Attention, ...], now: datetime, tz: ZoneInfo) -> None:
        self.clear()
        for item in items:
            cells = fmt.plain(
                fmt.local(item.received_at, tz, now),
                item.from_addr,
                item.subject,
                item.campaign or "",
            )
            self.add_row(*cells, key=str(item.inbound_id))


class TodayCounts(Static):
    """Sent, replies, bounces and opt-outs: today, and bounces/opt-outs in all campaigns."""

    DEFAULT_CSS = """
    TodayCounts { height: 5; width: 2fr; }
    """

    def show(self, counts: Counts, attention_total: int) -> None:
        text = Text()
        today, total = counts.today, counts.total
        text.append(f"sent today {today.sent}", style="bold")
        text.append(f"   replied today {today.replied}")
        text.append(
            f"   to read {attention_total}", style="bold magenta" if attention_total else ""
        )
        text.append(f"\nbounced {today.bounced} / {total.bounced}")
        text.append(f"   unsubscribed {today.unsubscribed} / {total.unsubscribed}")
        text.append("   (today / in all)", style="dim")
        text.append("\nto answer: ", style="bold")
        waiting = [f"{intent.replace('_', ' ')} {n}" for intent, n in counts.to_answer.items()]
        text.append(" · ".join(waiting) or "nothing", style="bold magenta" if waiting else "dim")
        self.update(text)
