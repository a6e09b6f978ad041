"""Content lint of a sequence: spam words (German and English), ALL CAPS, "!!!", links,
images, URL shorteners, subject length, HTML-only mail, foreign merge tags, spintax
explosion and, without the List-Unsubscribe header, a first step offering no way to opt
out — each finding with the step, the line in the file and why it hurts.

``lint_sequence`` works on a loaded ``Sequence`` (template-relative lines, for the TUI);
``lint_file`` / ``lint_source`` place findings at ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outreach.deliverability.lint_rules import Hit, html_only_hit, opt_out_hit, template_hits
from outreach.deliverability.spam_words import SpamWords, load_spam_words
from outreach.sequences import Sequence, load_sequence_text
from outreach.sequences.check import SequenceReport
from outreach.sequences.locate import locate
from outreach.sequences.problems import Problem
from outreach.sequences.spintax import line_and_column
from outreach.sequences.texts import TemplateText, sequence_texts
from outreach.sequences.yamlsource import YamlDocument, parse_yaml


@dataclass(frozen=True)
class LintFinding:
    """One content finding: which rule, which step (1-based) and where."""

    rule: str
    step: int
    problem: Problem
    """Path, message, why (as ``hint``), line/column (file lines once located)."""

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def why(self) -> str:
        return self.problem.hint or ""

    def __str__(self) -> str:
        return str(self.problem)

    def as_dict(self) -> dict[str, Any]:
        p = self.problem
        return {"rule": self.rule, "step": self.step, "path": p.path, "file": p.file,
                "line": p.line, "column": p.column, "message": p.message, "why": p.hint}


def lint_sequence(sequence: Sequence, words: SpamWords | None = None) -> list[LintFinding]:
    """Every finding; lines are relative to each template (``Problem.file`` is None)."""
    words = words or load_spam_words()
    findings = [_finding(text, hit) for text in sequence_texts(sequence)
                for hit in template_hits(text, words)]
    findings += _html_only(sequence)
    findings += _opt_out(sequence)
    return findings


def _opt_out(sequence: Sequence) -> list[LintFinding]:
    """Without List-Unsubscribe, each variant of the first email should offer a way out."""
    if sequence.unsubscribe_header:
        return []
    step = next((s for s in sequence.steps if s.task is None), None)
    if step is None:
        return []
    found = []
    for index, variant in enumerate(step.variants):
        hit = opt_out_hit(variant.body)
        if hit is not None:
            base = f"steps[{step.index}]" + (
                f".variants[{index}]" if len(step.variants) > 1 else "")
            found.append(_finding(TemplateText(f"{base}.body", variant.body, False), hit))
    return found


def _finding(text: TemplateText, hit: Hit) -> LintFinding:
    line, column = line_and_column(text.source, hit.offset)
    problem = Problem(text.path, hit.message, hit.why, line=line, column=column)
    return LintFinding(hit.rule, _step(text.path), problem)


def _step(path: str) -> int:
    return int(path.split("[", 1)[1].split("]", 1)[0]) + 1


def _html_only(sequence: Sequence) -> list[LintFinding]:
    found = []
    for step in sequence.steps:
        for index, variant in enumerate(step.variants):
            hit = html_only_hit(variant.body, variant.html)
            if hit is not None:
                base = f"steps[{step.index}]" + (
                    f".variants[{index}]" if len(step.variants) > 1 else "")
                found.append(_finding(TemplateText(f"{base}.body", variant.body, False), hit))
    return found


def lint_source(text: str, filename: str, words: SpamWords | None = None) -> list[LintFinding]:
    """Load (raising ``ValidationFailed`` like ``sequence check``) and lint, at file lines."""
    sequence = load_sequence_text(text, filename)
    document = parse_yaml(text, filename)
    assert isinstance(document, YamlDocument), "load_sequence_text accepted the YAML"
    return [_located(f, document, text, filename) for f in lint_sequence(sequence, words)]


def _located(finding: LintFinding, document: YamlDocument, text: str,
             filename: str) -> LintFinding:
    placed = locate(finding.problem, document, text, filename)
    return LintFinding(finding.rule, finding.step, placed)


def lint_report(report: SequenceReport, words: SpamWords | None = None) -> list[LintFinding]:
    """Lint a sequence ``check_sequence_file`` accepted, at file lines (the file is not read
    or parsed again)."""
    if report.sequence is None or report.document is None:
        raise ValueError("lint_report needs a report without errors")
    filename = str(report.path)
    return [_located(f, report.document, report.source, filename)
            for f in lint_sequence(report.sequence, words)]


def lint_file(path: Path | str, words: SpamWords | None = None) -> list[LintFinding]:
    path = Path(path)
    return lint_source(path.read_text(encoding="utf-8"), str(path), words)
