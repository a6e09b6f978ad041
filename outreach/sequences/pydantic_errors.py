"""Turning pydantic's validation errors into findings a person can act on.

Unknown keys get "did you mean" among the keys allowed at that place; our own field
validators raise ``FieldError`` whose message and hint are used as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from outreach.i18n import N_, _

from .problems import FieldError, Problem, did_you_mean, format_path
from .schema import PaceDoc, ScheduleDoc, SequenceDoc, StepDoc, StopDoc, VariantDoc

_MODELS: dict[str, type[BaseModel]] = {
    "": SequenceDoc, "schedule": ScheduleDoc, "pace": PaceDoc, "stop": StopDoc,
    "steps": StepDoc, "steps.variants": VariantDoc,
}
#: What each kind of pydantic error means, in our words (pydantic's own text is English only).
_MESSAGES: dict[str, str] = {
    "int_parsing": N_("not a whole number"),
    "int_type": N_("not a whole number"),
    "int_from_float": N_("not a whole number"),
    "float_parsing": N_("not a number"),
    "float_type": N_("not a number"),
    "bool_parsing": N_("not true or false"),
    "bool_type": N_("not true or false"),
    "string_type": N_("not text"),
    "string_too_short": N_("must not be empty"),
    "greater_than_equal": N_("is too small (at least {ge})"),
    "greater_than": N_("is too small (more than {gt})"),
    "less_than_equal": N_("is too large (at most {le})"),
    "dict_type": N_("not a mapping"),
    "model_type": N_("not a mapping"),
    "model_attributes_type": N_("not a mapping"),
    "list_type": N_("not a list"),
    "too_short": N_("has too few entries (at least {min_length})"),
    "literal_error": N_("is not allowed here (expected {expected})"),
    "none_required": N_("must be empty"),
}
_HINTS: dict[str, str] = {
    "int_parsing": N_("write a whole number, e.g. 40"),
    "int_type": N_("write a whole number, e.g. 40"),
    "int_from_float": N_("write a whole number, e.g. 40"),
    "bool_parsing": N_("write true or false"),
    "bool_type": N_("write true or false"),
    "string_type": N_("write text; put it in quotes if it looks like a number, date or list"),
    "string_too_short": N_("write a value, or remove the key"),
    "greater_than_equal": N_("use a positive number"),
    "dict_type": N_("write a mapping here (indented `key: value` lines)"),
    "model_type": N_("write a mapping here (indented `key: value` lines)"),
    "list_type": N_("write a list here (lines starting with `- `)"),
    "too_short": N_("add at least one entry"),
}


def _message(kind: str, details: ErrorDetails) -> str:
    """Pydantic's finding in the rep's language (its own English text when we have none)."""
    template = _MESSAGES.get(kind)
    if template is None:
        return details["msg"]
    context = {key: str(value) for key, value in (details.get("ctx") or {}).items()}
    if kind == "literal_error":
        context["expected"] = context.get("expected", "").replace(" or ", _(" or "))
    try:
        return _(template).format(**context)
    except (KeyError, IndexError):
        return _(template)


def _hint(kind: str) -> str | None:
    hint = _HINTS.get(kind)
    return _(hint) if hint else None


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
        return Problem(
            format_path(loc[:-1]),
            _("missing required key `{key}`").format(key=key),
            _("add `{key}: …`").format(key=key),
        )
    field_error = (details.get("ctx") or {}).get("error")
    if isinstance(field_error, FieldError):
        return Problem(path, str(field_error), field_error.hint)
    return Problem(
        path,
        _("{problem} (got {value})").format(
            problem=_message(kind, details), value=_shown(details["input"])
        ),
        _hint(kind),
    )


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
    hint = (
        _("did you mean `{best}`?").format(best=best) if best
        else _("allowed here: {keys}").format(keys=", ".join(allowed))
    )
    return Problem(format_path(loc), _("unknown key `{key}`").format(key=key), hint)


def _allowed_keys(parent: tuple[int | str, ...]) -> list[str]:
    shape = ".".join(part for part in parent if isinstance(part, str))
    model = _MODELS.get(shape)
    return list(model.model_fields) if model else []


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
