"""``outreach sequence …``: check a YAML sequence, preview it for a prospect, print its schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from outreach.cli.output import print_json
from outreach.deliverability.lint import lint_report
from outreach.errors import NotFoundError
from outreach.i18n import _, ngettext
from outreach.sequences import (
    Problem,
    check_sequence_file,
    choose_variant,
    load_sequence,
    render_note,
    render_step,
    schema_text,
    step_summary,
    stop_summary,
)
from outreach.sequences.check import task_label
from outreach.sequences.prospect import display_name, prospect_fields
from outreach.store.reading import open_reader
from outreach.views.merge_fields import known_merge_fields

FILE = click.Path(path_type=Path, dir_okay=False)


@click.group(
    help=_("YAML sequences: the first email and its follow-ups."),
)
def sequence() -> None:
    pass


@sequence.command(
    "check",
    help=_(
        "Validate a sequence file; errors name file:line:column (merge fields must be "
        "standard fields or columns of imported prospects, unless they have a default), "
        "warnings flag non-human pace and content that hurts deliverability (spam words, ALL "
        "CAPS, links …)."
    ),
)
@click.argument("path", type=FILE)
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable result."))
def check(path: Path, as_json: bool) -> None:
    report = check_sequence_file(path, known_merge_fields(open_reader()))
    if report.sequence is None:
        if as_json:
            print_json({"file": str(path), "ok": False,
                        "problems": [_problem_json(p) for p in report.problems]})
            raise click.exceptions.Exit(report.error().exit_code)
        raise report.error()
    findings = lint_report(report)
    if as_json:
        return print_json(
            {
                "file": str(path),
                "ok": True,
                "warnings": list(report.warnings),
                "name": report.sequence.name,
                "steps": len(report.sequence.steps),
                "lint": [finding.as_dict() for finding in findings],
            }
        )
    seq = report.sequence
    click.echo(click.style("✓", fg="green") + " " + ngettext(
        "{path}: “{name}”, {count} step", "{path}: “{name}”, {count} steps", len(seq.steps),
    ).format(path=path, name=seq.name, count=len(seq.steps)))
    for line in step_summary(seq):
        click.echo(f"  {line}")
    click.echo(f"  {stop_summary(seq)}")
    for warning in [*report.warnings, *map(str, findings)]:
        click.echo(click.style("⚠", fg="yellow") + f" {warning}")


def _problem_json(problem: Problem) -> dict[str, str | int | None]:
    return {"line": problem.line, "column": problem.column, "path": problem.path,
            "message": problem.message, "hint": problem.hint, "text": str(problem)}


@sequence.command(
    "preview",
    help=_(
        "Show each step as the prospect will read it (From, To, Subject, Date and the text); "
        "`--raw` shows the source exactly as it is sent, headers included."
    ),
)
@click.argument("path", type=FILE)
@click.option("--prospect", "email", required=True, help=_("An imported prospect's address."))
@click.option("--mailbox", "mailbox_email", help=_("Sender (default: the first mailbox)."))
@click.option(
    "--campaign",
    "campaign_key",
    default="preview",
    show_default=True,
    help=_("Campaign name: picks the same A/B variant the campaign would."),
)
@click.option("--raw", is_flag=True, help=_("The MIME source as sent, every header encoded."))
def preview(
    path: Path, email: str, mailbox_email: str | None, campaign_key: str, raw: bool
) -> None:
    # composing loads the email package's MIME machinery: only `preview` pays for it
    from rich.markup import escape
    from sqlmodel import Session, select

    from outreach.cli.output import console
    from outreach.mailbox.compose import Envelope, as_bytes, compose
    from outreach.mailbox.thread import Thread, ThreadState, after_send, continuing
    from outreach.store import open_store
    from outreach.store.models import Mailbox, Prospect

    seq = load_sequence(path)
    with Session(open_store()) as session:
        prospect = session.exec(select(Prospect).where(Prospect.email == email.lower())).first()
        if prospect is None:
            raise NotFoundError(_("no prospect {email!r}").format(email=email),
                                hint=_("import it with `prospects import`"))
        query = select(Mailbox)
        if mailbox_email:
            query = query.where(Mailbox.email == mailbox_email.lower())
        mailbox = session.exec(query).first()
    sender = mailbox.email if mailbox else "you@example.com"
    fields = prospect_fields(prospect)
    state: ThreadState | None = None
    now = datetime.now(UTC)
    for step in seq.steps:
        when = _(" (only when {when})").format(when=step.when.describe()) if step.when else ""
        if step.task is not None:
            console.rule(_("step {number}: {task} task{when}").format(
                number=step.index + 1, task=task_label(step.task.kind), when=when))
            click.echo(render_note(seq, step.index, fields))
            continue
        variant = choose_variant(prospect.email, campaign_key, step)
        rendered = render_step(seq, step.index, fields, variant)
        message_id = f"<step{step.index + 1}.preview@{sender.rpartition('@')[2]}>"
        envelope = Envelope(
            sender,
            mailbox.display_name if mailbox else None,
            prospect.email,
            display_name(prospect),
            message_id,
            now,
        )
        fresh = step.new_thread or state is None
        thread = Thread() if fresh or state is None else continuing(state, now)
        message = compose(envelope, rendered, thread, unsubscribe_header=seq.unsubscribe_header)
        if len(step.variants) > 1:
            title = _("step {number} (variant {variant})").format(
                number=step.index + 1, variant=chr(65 + variant))
        else:
            title = _("step {number}").format(number=step.index + 1)
        console.rule(escape(title + when))
        _show(as_bytes(message), raw)
        state = after_send(state, message_id, str(message["Subject"]), step.new_thread)


def _show(wire: bytes, raw: bool) -> None:
    from outreach.mailbox.readable import readable

    if raw:
        click.echo(wire.decode("utf-8", errors="replace").replace("\r\n", "\n"))
        return
    seen = readable(wire)
    for name, value in seen.headers:
        click.echo(f"{name + ':':<9}{value}")
    click.echo()
    click.echo(seen.text.rstrip("\n"))
    if seen.has_html:
        click.echo("\n" + _("(an HTML version goes along; mail clients that show HTML show "
                            "that one)"))


@sequence.command(
    "new",
    help=_(
        "Print an example sequence to start from: `outreach sequence new --example de > "
        "q1.yaml`."
    ),
)
@click.option("--example", "name", metavar="NAME", is_flag=False, flag_value="",
              help=_("The shipped example to start from (without NAME: list them)."))
def new(name: str | None) -> None:
    from outreach.sequences.examples import example, examples

    if not name:
        click.echo(_("Example sequences (outreach sequence new --example NAME > q1.yaml):"))
        shown_all = examples()
        width = max((len(shown.name) for shown in shown_all), default=0)
        for shown in shown_all:
            click.echo(f"  {shown.name:<{width}} {shown.title}")
        return
    click.echo(example(name).text, nl=False)


@sequence.command(
    "schema",
    help=_("Print the JSON Schema of sequence files (for editor completion)."),
)
def schema() -> None:
    click.echo(schema_text())
