"""The templates of a sequence, each named by the field path its author wrote it under."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .model import Sequence, Step, Variant


@dataclass(frozen=True)
class TemplateText:
    """One template of a sequence with its field path (``steps[1].body``)."""

    path: str
    source: str
    html: bool

    @property
    def part(self) -> str:
        """``subject``, ``body``, ``html`` or ``note``."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def spintax_part(self) -> str:
        """Spintax seed part: body and HTML share one so both pick the same words."""
        return "subject" if self.part == "subject" else "body"


def variant_texts(step: Step, variant_index: int) -> Iterator[TemplateText]:
    """The templates of one variant, named by the path the author wrote them under."""
    variant: Variant = step.variants[variant_index]
    base = f"steps[{step.index}]" + (
        f".variants[{variant_index}]" if len(step.variants) > 1 else "")
    if variant.subject is not None:
        yield TemplateText(f"{base}.subject", variant.subject, html=False)
    yield TemplateText(f"{base}.body", variant.body, html=False)
    if variant.html is not None:
        yield TemplateText(f"{base}.html", variant.html, html=True)


def task_text(step: Step) -> TemplateText | None:
    """The note of a task step (rendered like a body), None for an email step."""
    if step.task is None:
        return None
    return TemplateText(f"steps[{step.index}].note", step.task.note, html=False)


def sequence_texts(sequence: Sequence) -> Iterator[TemplateText]:
    """Every template of every step and variant, and every task's note."""
    for step in sequence.steps:
        note = task_text(step)
        if note is not None:
            yield note
        for index in range(len(step.variants)):
            yield from variant_texts(step, index)
