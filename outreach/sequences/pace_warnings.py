"""Warnings (not errors) about a sequence that would not look like a human sending."""

from __future__ import annotations

from datetime import timedelta

from .model import Sequence

HUMAN_GAP = timedelta(seconds=60)
HUMAN_DAILY_CAP = 100


def pace_warnings(sequence: Sequence) -> list[str]:
    warnings = []
    if sequence.pace.gap_min < HUMAN_GAP:
        warnings.append(
            f"pace.gap: the shortest gap is {sequence.pace.gap_min.total_seconds():g}s, under "
            "60 s — not human pace; fine for tests, risky for a real mailbox"
        )
    if sequence.pace.daily_cap > HUMAN_DAILY_CAP:
        warnings.append(
            f"pace.daily_cap: {sequence.pace.daily_cap} a day is above {HUMAN_DAILY_CAP} — not "
            "human pace; providers throttle or flag mailboxes that send that much cold mail"
        )
    return warnings
