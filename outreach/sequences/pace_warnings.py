"""Warnings (not errors) about a sequence that would not look like a human sending."""

from __future__ import annotations

from datetime import timedelta

from outreach.i18n import _

from .model import Sequence

HUMAN_GAP = timedelta(seconds=60)
HUMAN_DAILY_CAP = 100


def pace_warnings(sequence: Sequence) -> list[str]:
    warnings = []
    if sequence.pace.gap_min < HUMAN_GAP:
        warnings.append("pace.gap: " + _(
            "the shortest gap is {seconds}s, under 60 s — not human pace; fine for tests, "
            "risky for a real mailbox"
        ).format(seconds=f"{sequence.pace.gap_min.total_seconds():g}"))
    if sequence.pace.daily_cap > HUMAN_DAILY_CAP:
        warnings.append("pace.daily_cap: " + _(
            "{count} a day is above {limit} — not human pace; providers throttle or flag "
            "mailboxes that send that much cold mail"
        ).format(count=sequence.pace.daily_cap, limit=HUMAN_DAILY_CAP))
    return warnings
