"""A sequence file with its findings inline (under the line they are about), and the
rendered steps of a preview."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from outreach.i18n import _, ngettext
from outreach.sequences.check import task_label
from outreach.views.sequences import Finding, PreviewStep, SequenceCheck


def render_check(check: SequenceCheck) -> RenderableType:
    """Verdict, step summary or file-level findings, then the source with findings inline."""
    return Group(_verdict(check), Text(""), _source(check))


def _verdict(check: SequenceCheck) -> Text:
    if check.ok:
        steps = ngettext("{count} step", "{count} steps", len(check.summary)).format(
            count=len(check.summary)
        )
        text = Text(f"✓ {check.path.name}: “{check.name}”, {steps}", "green")
        for line in check.summary:
            text.append(f"\n  {line}", style="")
        for warning in check.warnings:
            text.append(f"\n⚠ {warning}", style="yellow")
        return text
    count = len(check.findings)
    problems = ngettext("{count} problem", "{count} problems", count).format(count=count)
    text = Text(f"✗ {check.path.name}: {problems}", "bold red")
    for finding in check.findings:
        if finding.line is None:
            text.append(f"\n  {finding.text}", style="red")
    return text


def _source(check: SequenceCheck) -> Text:
    by_line: dict[int, list[Finding]] = defaultdict(list)
    for finding in check.findings:
        if finding.line is not None:
            by_line[finding.line].append(finding)
    lines = check.source.splitlines() or [""]
    width = len(str(len(lines)))
    text = Text()
    for number, line in enumerate(lines, start=1):
        bad = number in by_line
        text.append(f"{number:>{width}} ", style="bold red" if bad else "dim")
        text.append(f"│ {line}\n", style="on #3b1010" if bad else "")
        for finding in by_line.get(number, []):
            pad = " " * (width + 2 + (finding.column or 1))
            said = _("line {line}: {finding}").format(line=number, finding=finding.text)
            text.append(f"{pad}╰─ ✗ {said}\n", style="bold red")
    beyond = [f for n, fs in by_line.items() if n > len(lines) for f in fs]
    for finding in beyond:
        said = _("line {line}: {finding}").format(line=finding.line, finding=finding.text)
        text.append(f"✗ {said}\n", style="bold red")
    return text


def render_step(step: PreviewStep) -> RenderableType:
    """One step as the prospect will read it."""
    title = _("step {number}").format(number=step.step)
    if step.variant:
        title += " · " + _("variant {name}").format(name=step.variant)
    if step.task is not None:
        title += " · " + _("{task} task").format(task=task_label(step.task))
    if step.when is not None:
        title += " · " + _("only when {when}").format(when=step.when)
    subtitle = _("after {wait}").format(wait=step.wait) if step.wait else _("first email")
    if step.error:
        body = Text(step.error, style="red")
    elif step.task is not None:
        body = Text(step.body)
    else:
        body = Text()
        body.append(_("Subject:") + " ", style="bold")
        body.append(step.subject or _("(same thread)"), style="dim" if step.in_thread else "")
        body.append("\n\n" + step.body)
    return Panel(body, title=title, subtitle=subtitle, title_align="left", expand=True)
