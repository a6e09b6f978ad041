"""Sequences as code: the YAML format, its validation, templates and spintax.

Load a file with ``load_sequence``; render one step for one prospect with ``render_step``
(after ``choose_variant``); preflight with ``check_templates`` / ``missing_fields``; store
what a campaign started with via ``to_snapshot`` / ``from_snapshot`` / ``sequence_hash``.
``check_sequence_file`` is the one check of a file that the CLI and the TUI both show.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check import SequenceReport, check_sequence_file, step_summary, stop_summary
    from .conditions import BranchFacts, condition_holds
    from .durations import (
        format_duration,
        format_wait,
        parse_duration,
        parse_gap,
        parse_wait,
        wait_label,
    )
    from .headers import header_safe
    from .loader import load_sequence, load_sequence_data, load_sequence_text
    from .model import (
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
    from .preflight import KnownFields, check_templates, missing_fields
    from .problems import Problem, TemplateRenderError
    from .render import (
        STANDARD_FIELDS,
        RenderedMessage,
        choose_variant,
        merge_fields,
        render_note,
        render_step,
        spintax_seed,
    )
    from .schema import schema_text, sequence_json_schema, write_schema
    from .snapshot import from_snapshot, sequence_hash, to_snapshot
    from .spintax import SpintaxError, resolve_spintax, spintax_expansion_count

_WHERE: dict[str, str] = {
    "AutoReplyPolicy": "model",
    "BranchFacts": "conditions",
    "condition_holds": "conditions",
    "Condition": "model",
    "Task": "model",
    "render_note": "render",
    "KnownFields": "preflight",
    "Pace": "model",
    "Problem": "problems",
    "RenderedMessage": "render",
    "STANDARD_FIELDS": "render",
    "Schedule": "model",
    "Sequence": "model",
    "SequenceReport": "check",
    "SpintaxError": "spintax",
    "Step": "model",
    "StopPolicy": "model",
    "TemplateRenderError": "problems",
    "Variant": "model",
    "Wait": "model",
    "check_sequence_file": "check",
    "check_templates": "preflight",
    "choose_variant": "render",
    "format_duration": "durations",
    "format_wait": "durations",
    "wait_label": "durations",
    "from_snapshot": "snapshot",
    "header_safe": "headers",
    "load_sequence": "loader",
    "load_sequence_data": "loader",
    "load_sequence_text": "loader",
    "merge_fields": "render",
    "missing_fields": "preflight",
    "parse_duration": "durations",
    "parse_gap": "durations",
    "parse_wait": "durations",
    "render_step": "render",
    "resolve_spintax": "spintax",
    "schema_text": "schema",
    "sequence_hash": "snapshot",
    "sequence_json_schema": "schema",
    "spintax_expansion_count": "spintax",
    "spintax_seed": "render",
    "step_summary": "check",
    "stop_summary": "check",
    "to_snapshot": "snapshot",
    "write_schema": "schema",
}
"""Where each name lives: submodules load on first use, so importing the model alone
(the planner, the engine) does not load the loader, the checks or the JSON Schema."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "STANDARD_FIELDS",
    "AutoReplyPolicy",
    "BranchFacts",
    "Condition",
    "KnownFields",
    "Pace",
    "Problem",
    "RenderedMessage",
    "Schedule",
    "Sequence",
    "SequenceReport",
    "SpintaxError",
    "Step",
    "StopPolicy",
    "Task",
    "TemplateRenderError",
    "Variant",
    "Wait",
    "check_sequence_file",
    "check_templates",
    "condition_holds",
    "choose_variant",
    "format_duration",
    "format_wait",
    "wait_label",
    "from_snapshot",
    "header_safe",
    "load_sequence",
    "load_sequence_data",
    "load_sequence_text",
    "merge_fields",
    "missing_fields",
    "parse_duration",
    "parse_gap",
    "parse_wait",
    "render_note",
    "render_step",
    "resolve_spintax",
    "schema_text",
    "sequence_hash",
    "sequence_json_schema",
    "spintax_expansion_count",
    "spintax_seed",
    "step_summary",
    "stop_summary",
    "to_snapshot",
    "write_schema",
]
