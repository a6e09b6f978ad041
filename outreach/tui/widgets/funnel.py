"""A campaign's funnel: per step and A/B variant, what the prospects did."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from outreach.tui import format as fmt
from outreach.views.campaigns import CampaignSummary, StepFunnel

COLUMNS = (
    ("step", 14), ("sent", 6), ("replied", 13), ("bounced", 13), ("unsubscribed", 13),
    ("auto-replies", 13), ("in progress", 11),
)  # fmt: skip


class FunnelTable(DataTable[Any]):
    """One row per step (and variant)."""

    DEFAULT_CSS = """
    FunnelTable { height: auto; max-height: 14; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, key=label, width=width)

    def show(self, summary: CampaignSummary | None) -> None:
        self.clear()
        if summary is None:
            return
        for row in summary.funnel:
            self.add_row(*fmt.plain(*_cells(row)), key=f"{row.step}{row.variant}")


def _cells(row: StepFunnel) -> list[object]:
    label = f"{row.step}" + (f" variant {row.variant}" if row.variant else "")
    return [
        label,
        str(row.sent),
        _count(row.replied, row.sent, "green"),
        _count(row.bounced, row.sent, "red"),
        _count(row.unsubscribed, row.sent, "magenta"),
        _count(row.auto_replies, row.sent, "yellow"),
        str(row.in_progress),
    ]


def _count(count: int, sent: int, style: str) -> Text:
    return Text(f"{count} ({fmt.share(count, sent)})", style=style if count else "dim")


def reply_rate(summary: CampaignSummary) -> str:
    """Replies over first emails sent, the campaign's headline number."""
    sent = sum(r.sent for r in summary.funnel if r.step == 1)
    replied = sum(r.replied for r in summary.funnel)
    return fmt.share(replied, sent)
