"""Sequence files for the TUI: where they live, their findings by line, and a preview.

The folder is ``$OUTREACH_SEQUENCES_DIR`` when set, else ``./sequences`` when it exists,
else ``sequences`` in the config dir. Findings are the problems of
``outreach.sequences.check_sequence_file`` — the check ``outreach sequence check`` runs —
with merge fields known from ``known_merge_fields``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from outreach import paths
from outreach.errors import ValidationFailed
from outreach.prospects import get_prospect
from outreach.sequences import (
    KnownFields,
    Problem,
    Sequence,
    check_sequence_file,
    choose_variant,
    load_sequence,
    render_note,
    render_step,
    step_summary,
    wait_label,
)
from outreach.sequences.prospect import prospect_fields

# Re-exported: the merge-field rule is read without SQLAlchemy (`sequence check`).
from outreach.views.merge_fields import known_merge_fields as known_merge_fields

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Finding:
    """One problem of a sequence file; ``line`` is 1-based (None: the file as a whole)."""

    line: int | None
    column: int | None
    text: str


@dataclass(frozen=True)
class SequenceCheck:
    """The result of validating one file."""

    path: Path
    source: str
    ok: bool
    name: str = ""
    summary: tuple[str, ...] = ()
    """One line per step when valid."""
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewStep:
    step: int
    variant: str
    wait: str
    subject: str | None
    body: str
    error: str | None = None
    in_thread: bool = False
    """A reply in the thread of an earlier step (its subject is that one's, with "Re: ")."""
    task: str | None = None
    """For a task step: its kind (call, linkedin, custom); ``body`` is its note."""
    when: str | None = None
    """The step's condition as written (``task: no_answer``), None when it has none."""


def sequences_dir(configured: Path | None = None) -> Path:
    """Where the TUI looks for sequence files (see the module docstring)."""
    if configured is not None:
        return configured
    env = os.environ.get("OUTREACH_SEQUENCES_DIR")
    if env:
        return Path(env).expanduser()
    here = Path.cwd() / "sequences"
    return here if here.is_dir() else paths.config_dir() / "sequences"


def list_sequence_files(folder: Path) -> list[Path]:
    """The YAML files directly in ``folder``, by name (none when it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def check_sequence(path: Path, known: KnownFields) -> SequenceCheck:
    """Validate one file (``check_sequence_file``); findings keep their line and column."""
    report = check_sequence_file(path, known)
    findings = tuple(finding_of(problem) for problem in report.problems)
    if report.sequence is None:
        return SequenceCheck(path, report.source, False, findings=findings)
    return SequenceCheck(
        path,
        report.source,
        True,
        name=report.sequence.name,
        summary=tuple(step_summary(report.sequence)),
        warnings=report.warnings,
    )


def finding_of(problem: Problem) -> Finding:
    """A problem as the screen shows it: its line and column, then ``path: message → fix``."""
    return Finding(problem.line, problem.column, problem.text)


def preview_sequence(
    db: Engine, path: Path, prospect_email: str, campaign_key: str = "preview"
) -> list[PreviewStep]:
    """Every step rendered for one prospect (the variant a campaign of that name would pick)."""
    sequence = load_sequence(path)
    with Session(db) as session:
        fields = prospect_fields(get_prospect(session, prospect_email))
    steps = [_preview_step(sequence, i, fields, campaign_key) for i in range(len(sequence.steps))]
    return _threaded(steps)


def _threaded(steps: list[PreviewStep]) -> list[PreviewStep]:
    """Replies in the thread get the thread's subject with "Re: ", as the engine sends them."""
    thread: str | None = None
    result = []
    for step in steps:
        if step.task is not None:
            pass
        elif step.subject is not None:
            thread = step.subject
        elif thread is not None and step.error is None:
            step = replace(step, subject=f"Re: {thread}", in_thread=True)
        result.append(step)
    return result


def _preview_step(
    sequence: Sequence, index: int, fields: dict[str, str], campaign_key: str
) -> PreviewStep:
    step = sequence.steps[index]
    when = step.when.describe() if step.when else None
    wait = "" if index == 0 else wait_label(step.wait)
    if step.task is not None:
        try:
            note = render_note(sequence, index, fields)
        except ValidationFailed as exc:
            return PreviewStep(index + 1, "", wait, None, "", error=str(exc),
                               task=step.task.kind, when=when)
        return PreviewStep(index + 1, "", wait, None, note, task=step.task.kind, when=when)
    variant = choose_variant(fields["email"], campaign_key, step)
    label = chr(65 + variant) if len(step.variants) > 1 else ""
    try:
        rendered = render_step(sequence, index, fields, variant)
    except ValidationFailed as exc:
        return PreviewStep(index + 1, label, wait, None, "", error=str(exc), when=when)
    subject = rendered.subject
    return PreviewStep(index + 1, label, wait, subject, rendered.body, when=when)


def sequence_files(folders: Iterable[Path]) -> tuple[Path, ...]:
    """The YAML sequences in each folder (the sequences folder, the current one), once each."""
    seen: dict[Path, Path] = {}
    for folder in folders:
        for path in list_sequence_files(folder):
            seen.setdefault(path.resolve(), path)
    return tuple(seen.values())
