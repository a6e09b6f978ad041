"""``outreach tasks``: the rep's task steps (calls, LinkedIn, custom to-dos) and their outcomes."""

from __future__ import annotations

import click
from rich.text import Text

from outreach import i18n
from outreach.cli.output import console, print_json
from outreach.i18n import _, ngettext
from outreach.lifecycle import Cause
from outreach.lifecycle.tasks import complete_task, settle_tasks
from outreach.sequences.check import task_label
from outreach.states import TaskOutcome
from outreach.store import open_store, session_scope
from outreach.store.models import utcnow
from outreach.views.tasks import TaskRow, outcome_label, state_label, task_rows

OUTCOMES = tuple(outcome.value for outcome in TaskOutcome)


@click.group(
    invoke_without_command=True,
    help=_(
        "Task steps: calls, LinkedIn and custom to-dos due from your sequences.\n\n"
        "\b\n"
        "Record how one went with `outreach tasks done ID --outcome reached|no_answer|skipped`;\n"
        "the sequence goes on from there (a step with `when: {task: no_answer}` follows only a\n"
        "call that reached nobody). A task not done within its due_within is skipped."
    ),
)
@click.option("--due", "which", flag_value="due", default=True,
              help=_("Only the tasks due now, overdue first (the default)."))
@click.option("--all", "which", flag_value="all", help=_("Every task: scheduled, due and done."))
@click.option("--mailbox", help=_("Only the tasks of this mailbox (its rep)."))
@click.option("--campaign", help=_("Only the tasks of this campaign."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
@click.pass_context
def tasks(ctx: click.Context, which: str, mailbox: str | None, campaign: str | None,
          as_json: bool) -> None:  # fmt: skip
    if ctx.invoked_subcommand is not None:
        return
    db = open_store()
    now = utcnow()
    with session_scope(db) as session:  # tasks whose time has come open first
        settle_tasks(session.connection(), now)
    rows = task_rows(db, now, which="all" if which == "all" else "due", mailbox=mailbox,
                     campaign=campaign)  # fmt: skip
    if which == "due":
        rows.sort(key=lambda row: (not row.overdue, row.due_at))
    if as_json:
        print_json([row.as_json() for row in rows])
        return
    if not rows:
        click.echo(_("No tasks due.") if which == "due" else _("No tasks."))
        return
    _print(rows, show_state=which == "all")
    overdue = sum(1 for row in rows if row.overdue)
    due = sum(1 for row in rows if row.state == "open")
    click.echo(_due_line(due, overdue))


def _due_line(due: int, overdue: int) -> str:
    text = ngettext("{count} task due", "{count} tasks due", due).format(
        count=i18n.number(due))
    if overdue:
        text += _(", {count} overdue").format(count=i18n.number(overdue))
    return text


def _print(rows: list[TaskRow], *, show_state: bool) -> None:
    """One block per task: what, when, who (with the phone), the note, and with --all how
    it ended."""
    for row in rows:
        head = _("#{id}  {task}, step {step} · {campaign} · due {when}").format(
            id=row.id, task=task_label(row.kind), step=row.step, campaign=row.campaign,
            when=i18n.day_time(row.due_at.astimezone()))  # fmt: skip
        if row.overdue:
            head += " " + _("(overdue)")
        console.print(Text(head, style="bold red" if row.overdue else "bold"))
        who = f"{row.name} <{row.email}>" if row.name else row.email
        parts = [who, row.company, row.phone or ""]
        click.echo("    " + " · ".join(part for part in parts if part))
        for line in row.note.splitlines():
            click.echo(f"    {line}")
        if show_state:
            state = state_label(row.state)
            if row.outcome:
                state += f": {outcome_label(row.outcome)}"
            if row.outcome_note:
                state += f" ({row.outcome_note})"
            click.echo("    " + _("state: {state}").format(state=state))
        click.echo()


@tasks.command("done", help=_("Record how a due task went; the sequence goes on from now."))
@click.argument("task_id", type=int)
@click.option("--outcome", type=click.Choice(OUTCOMES), required=True,
              help=_("reached: you spoke to them; no_answer: nobody answered; skipped: not done."))
@click.option("--note", help=_("What came of it (kept with the task, in exports and webhooks)."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
def done(task_id: int, outcome: str, note: str | None, as_json: bool) -> None:
    db = open_store()
    now = utcnow()
    with session_scope(db) as session:
        settle_tasks(session.connection(), now)
    with session_scope(db) as session:
        result = complete_task(session.connection(), task_id, TaskOutcome(outcome), note,
                               Cause("cli"), now)  # fmt: skip
    if as_json:
        print_json({"id": task_id, "outcome": outcome, "note": note,
                    "next_due_at": result.next_due})  # fmt: skip
        return
    click.echo(_("Task {id}: {outcome}.").format(id=task_id, outcome=outcome_label(outcome)))
    if result.next_due is not None:
        when = i18n.day_time(result.next_due.astimezone())
        click.echo(_("Next step due {when}.").format(when=when))
    else:
        click.echo(_("No further step for this prospect."))
