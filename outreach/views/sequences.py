"""Sequence files for the TUI: where they live, their findings by line, and a preview.

The folder is ``$OUTREACH_SEQUENCES_DIR`` when set, else ``./sequences`` when it exists,
else ``sequences`` in the config dir. Findings come from the loader's own validation
(``ValidationFailed.problems``), each line ``file:line:column: path: message``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach import paths
from outreach.errors import ValidationFailed
from outreach.prospects import get_prospect
from outreach.sequences import (
    STANDARD_FIELDS,
    Sequence,
    choose_variant,
    format_wait,
    load_sequence,
    render_step,
)
from outreach.sequences.pace_warnings import pace_warnings
from outreach.sequences.prospect import prospect_fields
from outreach.store.models import Prospect

SUFFIXES = (".yaml", ".yml")
_LOCATION = re.compile(r"^(?P<line>\d+)(?::(?P<column>\d+))?: (?P<text>.*)$", re.DOTALL)


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


def known_fields(db: Engine, sample: int = 2000) -> list[str]:
    """The merge fields prospects have: the standard ones plus the custom CSV columns seen
    in a sample of prospects (so a typo such as ``{{ frist_name }}`` is caught)."""
    names = set(STANDARD_FIELDS)
    with Session(db) as session:
        for fields in session.exec(select(Prospect.fields).limit(sample)):
            names.update(str(key) for key in fields or {})
    return sorted(names)


def check_sequence(path: Path, fields: list[str] | None = None) -> SequenceCheck:
    """Validate one file (templates against ``fields`` when given); findings keep their line."""
    source = _read(path)
    try:
        sequence = load_sequence(path, fields=fields)
    except ValidationFailed as exc:
        findings = [finding_of(line, path) for line in exc.problems] or [
            Finding(None, None, exc.message)
        ]
        return SequenceCheck(path, source, False, findings=tuple(findings))
    return SequenceCheck(
        path,
        source,
        True,
        name=sequence.name,
        summary=tuple(_step_lines(sequence)),
        warnings=tuple(pace_warnings(sequence)),
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def finding_of(problem: str, path: Path) -> Finding:
    """``q1.yaml:12:3: steps[1].wait: …`` → Finding(12, 3, "steps[1].wait: …")."""
    prefix = f"{path}:"
    rest = problem[len(prefix) :] if problem.startswith(prefix) else problem
    match = _LOCATION.match(rest)
    if match is None:
        return Finding(None, None, rest)
    column = match["column"]
    return Finding(int(match["line"]), int(column) if column else None, match["text"])


def _step_lines(sequence: Sequence) -> list[str]:
    lines = []
    for step in sequence.steps:
        wait = "" if step.index == 0 else f" after {format_wait(step.wait)}"
        kind = "new thread" if step.new_thread else "reply in thread"
        variants = f", {len(step.variants)} variants" if len(step.variants) > 1 else ""
        lines.append(f"step {step.index + 1}{wait}: {kind}{variants}")
    return lines


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
        if step.subject is not None:
            thread = step.subject
        elif thread is not None and step.error is None:
            step = replace(step, subject=f"Re: {thread}", in_thread=True)
        result.append(step)
    return result


def _preview_step(
    sequence: Sequence, index: int, fields: dict[str, str], campaign_key: str
) -> PreviewStep:
    step = sequence.steps[index]
    variant = choose_variant(fields["email"], campaign_key, step)
    label = chr(65 + variant) if len(step.variants) > 1 else ""
    wait = "" if index == 0 else format_wait(step.wait)
    try:
        rendered = render_step(sequence, index, fields, variant)
    except ValidationFailed as exc:
        return PreviewStep(index + 1, label, wait, None, "", error=str(exc))
    subject = rendered.subject
    return PreviewStep(index + 1, label, wait, subject, rendered.body)
