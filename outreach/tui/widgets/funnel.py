"""A campaign's funnel: per step and A/B variant, what the prospects did."""

from __future__ import annotations

from rich.text import Text

from outreach.i18n import N_
from outreach.tui.widgets.fit import Col
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.views.campaigns import CampaignSummary, FunnelRow
from outreach.views.numbers import Numbers, percent

COLUMNS = (
    Col(N_("step"), 8, 12, keep=10), Col(N_("sent"), 5, 8, keep=8),
    Col(N_("replied / contacted"), 13, 19, keep=9, short=N_("replied")),
    Col(N_("opt-outs / contacted"), 13, 20, keep=5, short=N_("opt-outs")),
    Col(N_("auto-replies / contacted"), 13, 24, keep=5, short=N_("auto-replies")),
    Col(N_("bounced / sent"), 11, 16, keep=6, short=N_("bounced")),
    Col(N_("waiting"), 7, 9, keep=7),
)  # fmt: skip


class FunnelTable(FittedTable):
    """One row per step (and per variant of a step sent in several)."""

    DEFAULT_CSS = """
    FunnelTable { height: auto; max-height: 14; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id, cursor_type="none")

    def show(self, summary: CampaignSummary | None) -> None:
        funnel = summary.funnel if summary is not None else ()
        self.show_rows([(row.label, funnel_cells(row)) for row in funnel])


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
