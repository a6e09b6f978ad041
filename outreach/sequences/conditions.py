"""Whether a step's ``when:`` holds, from what happened to the prospect so far (pure).

The lifecycle gathers :class:`BranchFacts` from the database when a step falls due; the
engine, the task list and ``campaign plan`` (the branch each prospect would take today) all
decide with :func:`condition_holds`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Condition


@dataclass(frozen=True)
class BranchFacts:
    """What a condition may look at, for one enrollment before one step."""

    last_task_outcome: str | None = None
    """How the last task before this step ended (reached, no_answer, skipped); None when
    no task ran (none yet, or it was cancelled or skipped by its own condition)."""
    replied: bool = False
    """The prospect replied in this enrollment (a "not now" that paused it aside)."""
    resumed_after_not_now: bool = False
    """The enrollment was paused by a "not now" reply and goes on now."""
    auto_reply_since_previous: bool = False
    """An out-of-office arrived after the previous step was sent or done."""


def condition_holds(when: Condition | None, facts: BranchFacts) -> bool:
    """True when a step with ``when`` goes ahead (a step without one always does: what
    stops an email is the stop policy)."""
    if when is None:
        return True
    if when.kind == "no_reply":
        return not facts.replied
    if when.kind == "auto_reply":
        return facts.auto_reply_since_previous
    if when.kind == "intent":
        return when.value == "not_now" and facts.resumed_after_not_now
    return facts.last_task_outcome is not None and facts.last_task_outcome == when.value
