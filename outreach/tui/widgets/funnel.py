"""A campaign's funnel: per step and A/B variant, what the prospects did."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from outreach.tui import format as fmt
from outreach.views.campaigns import CampaignSummary, FunnelRow
from outreach.views.numbers import Numbers, percent

COLUMNS = (
    ("step", 10), ("sent", 5), ("replied / contacted", 19), ("opt-outs / contacted", 20),
    ("auto-replies / contacted", 24), ("bounced / sent", 16), ("waiting", 7),
)  # fmt: skip


class FunnelTable(DataTable[Any]):
    """One row per step (and per variant of a step sent in several)."""

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
            self.add_row(*fmt.plain(*funnel_cells(row)), key=row.label)


def funnel_cells(row: FunnelRow) -> list[object]:
    """The cells of one funnel row: counts with the share of what they are counted against."""
    n = row.numbers
    waiting = "" if n.in_progress is None or row.variant else str(n.in_progress)
    return [
        row.label,
        str(n.sent),
        _share(n.replied, n.contacted, "green"),
        _share(n.unsubscribed, n.contacted, "magenta"),
        _share(n.auto_replies, n.contacted, "yellow"),
        _share(n.bounced, n.sent, "red"),
        waiting,
    ]


def _share(count: int, whole: int, style: str) -> Text:
    return Text(f"{count} / {whole} {percent(count, whole)}", style=style if count else "dim")


def reply_rate(numbers: Numbers) -> str:
    """The campaign's headline: ``2 / 6 33.3%`` (replied / contacted)."""
    return f"{numbers.replied} / {numbers.contacted} {percent(numbers.replied, numbers.contacted)}"
