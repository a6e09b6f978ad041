"""Turning pydantic's validation errors into findings a person can act on.

Unknown keys get "did you mean" among the keys allowed at that place; our own field
validators raise ``FieldError`` whose message and hint are used as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .problems import FieldError, Problem, did_you_mean, format_path
from .schema import PaceDoc, ScheduleDoc, SequenceDoc, StepDoc, StopDoc, VariantDoc

_MODELS: dict[str, type[BaseModel]] = {
    "": SequenceDoc, "schedule": ScheduleDoc, "pace": PaceDoc, "stop": StopDoc,
    "steps": StepDoc, "steps.variants": VariantDoc,
}
_HINTS = {
    "int_parsing": "write a whole number, e.g. 40",
    "int_type": "write a whole number, e.g. 40",
    "int_from_float": "write a whole number, e.g. 40",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text; put it in quotes if it looks like a number, date or list",
    "greater_than_equal": "use a positive number",
    "dict_type": "write a mapping here (indented `key: value` lines)",
    "model_type": "write a mapping here (indented `key: value` lines)",
    "list_type": "write a list here (lines starting with `- `)",
    "too_short": "add at least one entry",
}


def pydantic_problems(error: ValidationError) -> Iterator[tuple[Problem, bool]]:
    """(problem, points-at-the-key) for every error pydantic found."""
    for details in error.errors():
        yield _problem(details), details["type"] == "extra_forbidden"


def _problem(details: ErrorDetails) -> Problem:
    loc = _clean_loc(details["loc"])
    path = format_path(loc)
    kind = details["type"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "missing":
        key = loc[-1] if loc else "?"
        return Problem(format_path(loc[:-1]), f"missing required key `{key}`", f"add `{key}: …`")
    field_error = (details.get("ctx") or {}).get("error")
    if isinstance(field_error, FieldError):
        return Problem(path, str(field_error), field_error.hint)
    return Problem(path, f"{details['msg']} (got {_shown(details['input'])})", _HINTS.get(kind))


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the union-member names pydantic appends (``wait.str``) after a real field."""
    kept: list[int | str] = []
    for part in loc:
        if isinstance(part, str) and kept and part in ("str", "int", "bool", "none",
                                                        "literal['pause']"):
            break
        kept.append(part)
    return tuple(kept)


def _unknown_key(loc: tuple[int | str, ...]) -> Problem:
    key, parent = str(loc[-1]), loc[:-1]
    allowed = _allowed_keys(parent)
    best = did_you_mean(key, allowed)
    hint = f"did you mean `{best}`?" if best else f"allowed here: {', '.join(allowed)}"
    return Problem(format_path(loc), f"unknown key `{key}`", hint)


def _allowed_keys(parent: tuple[int | str, ...]) -> list[str]:
    shape = ".".join(part for part in parent if isinstance(part, str))
    model = _MODELS.get(shape)
    return list(model.model_fields) if model else []


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
