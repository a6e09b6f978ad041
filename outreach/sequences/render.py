"""Rendering a step for one prospect, choosing its A/B variant, and template preflight.

Order of work for each text: spintax is resolved on the source (seeded by prospect email,
step and variant, so the same prospect always gets the same words), then Jinja2 renders it
in a sandbox with ``StrictUndefined``. The subject is then folded onto one line
(``header_safe``). Merge fields are the prospect's fields; blank values count as missing,
so ``{{ first_name | default("there") }}`` covers both absent and empty names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jinja2 import TemplateError

from outreach.i18n import _

from .headers import header_safe
from .model import Sequence, Step
from .problems import Problem, TemplateRenderError, did_you_mean
from .spintax import resolve_spintax
from .templates import compile_template, field_uses, template_line
from .texts import TemplateText, task_text, variant_texts

STANDARD_FIELDS = ("email", "first_name", "last_name", "company", "timezone")
"""Fields every prospect has (possibly blank); custom CSV columns come on top."""


@dataclass(frozen=True)
class RenderedMessage:
    """One step rendered for one prospect."""

    subject: str | None
    """One-line subject, or None for a reply in the thread."""
    body: str
    """Plain-text body, ending in exactly one newline."""
    html: str | None = None
    """HTML alternative body, when the step has one."""


def merge_fields(prospect_fields: Mapping[str, str | None]) -> dict[str, str]:
    """The Jinja context: the prospect's non-blank fields, values stripped (None = blank)."""
    return {key: value.strip() for key, value in prospect_fields.items()
            if value is not None and value.strip()}


def choose_variant(prospect_email: str, campaign_key: str, step: Step) -> int:
    """Which variant of ``step`` this prospect gets: stable, evenly spread, not ``hash()``."""
    if len(step.variants) <= 1:  # one variant, or a task step (none)
        return 0
    key = f"{campaign_key}\x1f{prospect_email.strip().lower()}\x1f{step.index}"
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % len(step.variants)


def spintax_seed(prospect_email: str, step_index: int, variant_index: int, part: str) -> str:
    """Seed for one text's spintax; body and HTML share one so both say the same words."""
    return f"{prospect_email.strip().lower()}\x1f{step_index}\x1f{variant_index}\x1f{part}"


def render_step(sequence: Sequence, step_index: int,
                prospect_fields: Mapping[str, str | None], variant_index: int) -> RenderedMessage:
    """Render one step for one prospect; raises ``TemplateRenderError`` naming what is
    missing (step, template line, field, closest available field)."""
    email = prospect_fields.get("email") or ""
    context = merge_fields(prospect_fields)
    rendered: dict[str, str] = {}
    for text in variant_texts(sequence.steps[step_index], variant_index):
        seed = spintax_seed(email, step_index, variant_index, text.spintax_part)
        rendered[text.part] = _render_text(text, context, seed, email)
    subject = rendered.get("subject")
    return RenderedMessage(
        subject=None if subject is None else _one_line_subject(subject, step_index, email),
        body=rendered["body"].rstrip() + "\n",
        html=rendered.get("html"),
    )


def render_note(sequence: Sequence, step_index: int,
                prospect_fields: Mapping[str, str | None]) -> str:
    """A task step's note for one prospect (merge fields and spintax as in a body);
    raises ``TemplateRenderError`` like ``render_step``."""
    text = task_text(sequence.steps[step_index])
    if text is None:
        raise ValueError(_("step {number} is not a task").format(number=step_index + 1))
    email = prospect_fields.get("email") or ""
    context = merge_fields(prospect_fields)
    seed = spintax_seed(email, step_index, 0, "note")
    return _render_text(text, context, seed, email).strip()


def _one_line_subject(subject: str, step_index: int, email: str) -> str:
    safe = header_safe(subject)
    if not safe:
        raise _render_error(email, [Problem(f"steps[{step_index}].subject",
                                            _("the subject renders empty for this prospect"),
                                            _("give the subject text outside the merge fields"))])
    return safe


def _render_text(text: TemplateText, context: dict[str, str], seed: str, email: str) -> str:
    missing = [_missing_problem(text, use.name, use.line, context)
               for use in field_uses(text.source)
               if not use.has_fallback and use.name not in context]
    if missing:
        raise _render_error(email, missing)
    template = compile_template(resolve_spintax(text.source, seed), html=text.html)
    try:
        return template.render(context)
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:
        problem = Problem(text.path, f"{type(error).__name__}: {error}",
                          _("fix the template expression on that line"),
                          line=template_line(error.__traceback__))
        raise _render_error(email, [problem]) from error


def _render_error(email: str, problems: list[Problem]) -> TemplateRenderError:
    message = (_("cannot render message for {email}").format(email=email) if email
               else _("cannot render message for this prospect"))
    return TemplateRenderError(message, [str(p) for p in problems])


def _missing_problem(text: TemplateText, name: str, line: int,
                     available: Iterable[str]) -> Problem:
    best = did_you_mean(name, available)
    hint = _("did you mean `{best}`?").format(best=best) if best else (
        _('fill in `{name}` for this prospect or write {expression}').format(
            name=name, expression=f'{{{{ {name} | default("…") }}}}'
        )
    )
    return Problem(text.path, _("`{name}` is missing or blank for this prospect").format(
        name=name), hint, line=line)
