"""Between the YAML document (``schema.py``) and the frozen domain values (``model.py``).

``sequence_document`` is the inverse of ``build_sequence``: it writes the canonical
document (durations in their shortest exact form, one ``variants`` list per step), which is
itself valid sequence YAML/JSON. Snapshots use it.
"""

from __future__ import annotations

from typing import Any

from .durations import format_duration, format_wait, parse_gap, parse_wait
from .model import (
    DUE_WITHIN_DEFAULT_DAYS,
    AutoReplyPolicy,
    Condition,
    Pace,
    Schedule,
    Sequence,
    Step,
    StopPolicy,
    Task,
    Variant,
    Wait,
)
from .schedule_values import DAY_NAMES, format_window, parse_days, parse_window
from .schema import PaceDoc, ScheduleDoc, SequenceDoc, StepDoc, StopDoc

_AUTO_REPLY: dict[bool | str, AutoReplyPolicy] = {False: "ignore", True: "stop", "pause": "pause"}


def build_sequence(doc: SequenceDoc) -> Sequence:
    """The domain value of a validated document."""
    return Sequence(
        name=doc.name.strip(),
        schedule=_schedule(doc.schedule),
        pace=_pace(doc.pace),
        stop=_stop(doc.stop),
        steps=tuple(_step(index, step, first_email_index(doc))
                    for index, step in enumerate(doc.steps)),
        unsubscribe_header=doc.unsubscribe_header,
    )


def _schedule(doc: ScheduleDoc) -> Schedule:
    start, end = parse_window(doc.hours)
    lunch = parse_window(doc.lunch) if doc.lunch is not None else None
    return Schedule(doc.timezone, parse_days(doc.days), start, end, lunch)


def _pace(doc: PaceDoc) -> Pace:
    gap_min, gap_max = parse_gap(doc.gap)
    return Pace(doc.daily_cap, gap_min, gap_max, doc.per_domain_hourly)


def _stop(doc: StopDoc) -> StopPolicy:
    return StopPolicy(
        doc.on_reply, doc.on_company_reply, _AUTO_REPLY[doc.on_auto_reply], doc.not_now,
        parse_wait(doc.not_now_default).amount, doc.referral,
    )  # fmt: skip


def _step(index: int, doc: StepDoc, first_email: int) -> Step:
    when = condition_of(doc.when)
    if doc.task is not None:
        due_within = parse_wait(doc.due_within) if doc.due_within is not None else Wait(
            business_days=DUE_WITHIN_DEFAULT_DAYS)
        task = Task(doc.task, doc.note or "", due_within, doc.on_reply == "continue")
        return Step(index, parse_wait(doc.wait), (), new_thread=False, task=task, when=when)
    if doc.variants is not None:
        variants = tuple(Variant(v.subject, v.body, v.html) for v in doc.variants)
    else:
        variants = (Variant(doc.subject, doc.body or "", doc.html),)
    return Step(index, parse_wait(doc.wait), variants,
                new_thread=index == first_email or doc.new_thread, when=when)


def condition_of(when: str | dict[str, str] | None) -> Condition | None:
    """The domain value of a validated ``when:`` (see ``schema.parse_when``)."""
    if when is None:
        return None
    if isinstance(when, str):
        return Condition("no_reply" if when == "no_reply" else "auto_reply")
    [(key, value)] = when.items()
    return Condition("intent" if key == "intent" else "task", value)


def first_email_index(doc: SequenceDoc) -> int:
    """The index of the first email step (the one that opens the thread); len when none."""
    return next((i for i, step in enumerate(doc.steps) if step.task is None), len(doc.steps))


def sequence_document(sequence: Sequence) -> dict[str, Any]:
    """The canonical, JSON-able document of ``sequence`` (valid input for the loader)."""
    schedule, pace, stop = sequence.schedule, sequence.pace, sequence.stop
    return {
        "name": sequence.name,
        "schedule": {
            "timezone": schedule.timezone,
            "days": [DAY_NAMES[day] for day in sorted(schedule.days)],
            "hours": format_window((schedule.start, schedule.end)),
            "lunch": format_window(schedule.lunch) if schedule.lunch else None,
        },
        "pace": {
            "daily_cap": pace.daily_cap,
            "gap": f"{format_duration(pace.gap_min)}-{format_duration(pace.gap_max)}",
            "per_domain_hourly": pace.per_domain_hourly,
        },
        "stop": {
            "on_reply": stop.on_reply,
            "on_company_reply": stop.on_company_reply,
            "on_auto_reply": {"ignore": False, "stop": True, "pause": "pause"}[stop.on_auto_reply],
            "not_now": stop.not_now,
            "not_now_default": format_duration(stop.not_now_default),
            "referral": stop.referral,
        },
        "steps": [_step_document(step) for step in sequence.steps],
        # Only when on: documents (and the hashes of campaign snapshots) written before
        # the option existed stay the same.
        **({"unsubscribe_header": True} if sequence.unsubscribe_header else {}),
    }


def _step_document(step: Step) -> dict[str, Any]:
    # ``when`` and the task keys only when used: documents (and the hashes of campaign
    # snapshots) written before they existed stay the same.
    when = _when_document(step.when)
    if step.task is not None:
        task = step.task
        return {
            "wait": format_wait(step.wait),
            "task": task.kind,
            "note": task.note,
            "due_within": format_wait(task.due_within),
            **({"on_reply": "continue"} if task.continue_on_reply else {}),
            **when,
        }
    return {
        "wait": format_wait(step.wait),
        "new_thread": step.new_thread,
        "variants": [{"subject": v.subject, "body": v.body, "html": v.html}
                     for v in step.variants],
        **when,
    }


def _when_document(when: Condition | None) -> dict[str, Any]:
    if when is None:
        return {}
    return {"when": when.kind if when.value is None else {when.kind: when.value}}
