"""``outreach campaign …``: create, start, pause, resume, archive, retry, list, show, plan."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from outreach import i18n, wording
from outreach.campaigns import service
from outreach.campaigns.plan import plan_campaign
from outreach.campaigns.update import update_campaign
from outreach.cli import labels
from outreach.cli.output import print_json, print_table
from outreach.i18n import N_, _, ngettext
from outreach.store import open_store
from outreach.views import campaign_list as views

if TYPE_CHECKING:
    from outreach.deliverability.verify import VerifySummary

INCLUDE_ACTIVE = N_("Also enroll people live in another campaign (skipped by default).")


@click.group(
    help=_("Campaigns: a sequence sent to a set of prospects from one or more mailboxes."),
)
def campaign() -> None:
    pass


@campaign.command(
    "create",
    help=_(
        "Create a draft campaign and enroll prospects (suppressed ones, and people live in "
        "another campaign, are skipped and named)."
    ),
)
@click.argument("name")
@click.option(
    "--sequence",
    "sequence_path",
    required=True,
    type=click.Path(path_type=Path),
    help=_("The YAML sequence file (snapshotted into the campaign)."),
)
@click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    required=True,
    help=_("Mailbox to send from; repeat to rotate over several."),
)
@click.option("--tag", "tags", multiple=True,
              help=_("Enroll prospects with this tag (repeatable)."))
@click.option("--all", "all_prospects", is_flag=True, help=_("Enroll every prospect."))
@click.option("--include-active", is_flag=True, help=_(INCLUDE_ACTIVE))
@click.option("--json", "as_json", is_flag=True)
def create(
    name: str,
    sequence_path: Path,
    mailboxes: tuple[str, ...],
    tags: tuple[str, ...],
    all_prospects: bool,
    include_active: bool,
    as_json: bool,
) -> None:
    result = service.create_campaign(
        open_store(),
        name,
        sequence_path,
        list(mailboxes),
        tags=list(tags),
        all_prospects=all_prospects,
        include_active=include_active,
    )
    if as_json:
        return print_json(asdict(result))
    click.echo(ngettext(
        "campaign {name!r} created as a draft: {count} prospect enrolled",
        "campaign {name!r} created as a draft: {count} prospects enrolled", result.enrolled,
    ).format(name=name, count=result.enrolled))
    for email, count in result.per_mailbox.items():
        click.echo("  " + _("{count} from {mailbox}").format(
            count=f"{i18n.number(count):>6}", mailbox=email))
    _echo_skipped(result)
    click.echo(_("next: `outreach campaign plan {name}`, then `outreach campaign start {name}`")
               .format(name=name))


@campaign.command(
    "enroll",
    help=_("Add prospects to a campaign; in a running one their first email is queued at once."),
)
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
@click.option("--include-active", is_flag=True, help=_(INCLUDE_ACTIVE))
@click.option("--json", "as_json", is_flag=True)
def enroll(name: str, emails: tuple[str, ...], include_active: bool, as_json: bool) -> None:
    result = service.add_prospects(
        open_store(), name, list(emails), include_active=include_active, source="cli"
    )
    if as_json:
        return print_json(asdict(result))
    click.echo(ngettext("{count} prospect enrolled in campaign {name!r}",
                        "{count} prospects enrolled in campaign {name!r}", result.enrolled)
               .format(count=result.enrolled, name=name))
    _echo_skipped(result)


def _echo_skipped(result: service.Enrolled) -> None:
    """One line per prospect not enrolled, saying why."""
    if result.skipped:
        click.echo("  " + _("{count} skipped:").format(count=len(result.skipped)))
    for skipped in result.skipped:
        click.echo(f"    {skipped.email}: {skipped.reason}")
    if any(s.why == "active_elsewhere" for s in result.skipped):
        click.echo("  " + _("(--include-active enrolls people who are live in another campaign)"))


@campaign.command(
    "update",
    help=_("Switch a campaign to an edited sequence file: shows the impact first."),
)
@click.argument("name")
@click.option("--sequence", "sequence_path", required=True, type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help=_("Apply (without it, only show what would change)."))
def update(name: str, sequence_path: Path, yes: bool) -> None:
    change = update_campaign(open_store(), name, sequence_path, apply=yes)
    if change.empty:
        return click.echo(_("{path} changes nothing for campaign {name!r}")
                          .format(path=sequence_path, name=name))
    click.echo(ngettext("{count} prospect is in flight in {name!r}; the new sequence:",
                        "{count} prospects are in flight in {name!r}; the new sequence:",
                        change.in_flight).format(count=change.in_flight, name=name))
    for line in change.steps:
        index = int(line.split()[1].rstrip(":")) - 1 if line.startswith("step ") else None
        ahead = (
            "  " + _("({count} prospects still to get it)").format(
                count=change.affected.get(index, 0))
            if (index is not None)
            else ""
        )
        click.echo(f"  {line}{ahead}")
    if yes:
        click.echo(_("applied; {count} queued sends of removed steps cancelled")
                   .format(count=change.cancelled))
    else:
        click.echo(_("nothing changed yet: run again with --yes to apply"))


@campaign.command(
    "start",
    help=_(
        "Verify addresses, preflight every prospect × step, then queue the first emails.\n\n"
        "A campaign that would send nothing (every address invalid …) is not started: it "
        "stays a draft and the command exits non-zero."
    ),
)
@click.argument("name")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help=_("Check every address (syntax, MX, disposable) first; invalid ones get nothing."),
)
def start(name: str, verify: bool) -> None:
    from outreach.campaigns.verify import verify_enrollments  # DNS: only when verifying

    db = open_store()
    if verify:
        service.require_draft(db, name)
        _echo_verification(verify_enrollments(db, name))
    queued = service.start_campaign(db, name)
    click.echo(
        ngettext("campaign {name!r} started: {count} first email queued; it leaves while "
                 "`outreach run` (or the TUI/daemon) runs",
                 "campaign {name!r} started: {count} first emails queued; they leave while "
                 "`outreach run` (or the TUI/daemon) runs", queued).format(name=name, count=queued)
    )


@campaign.command(
    "verify",
    help=_(
        "Check the addresses of a campaign's not-yet-contacted prospects again, asking DNS "
        "afresh: invalid ones end `invalid`; in a draft, ones an earlier check found invalid "
        "and that now pass are enrolled again."
    ),
)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable verdicts."))
def verify_(name: str, as_json: bool) -> None:
    from outreach.campaigns.verify import verify_enrollments

    summary = verify_enrollments(open_store(), name, recheck=True)
    if as_json:
        return print_json(summary.as_dict())
    _echo_verification(summary)


def _echo_verification(summary: VerifySummary) -> None:
    """The counts, then every invalid address with why; unknown ones are sent normally."""
    from outreach.views.verification import verification_lines

    for line in verification_lines(summary):
        click.echo(line)


@campaign.command(
    "pause",
    help=_("Stop sending for a campaign (replies are still watched)."),
)
@click.argument("name")
@click.option("--reason", help=_("Why (shown in `campaign show` and the TUI; without it: "
                                   "“paused by hand”)."))
def pause(name: str, reason: str | None) -> None:
    service.set_state(open_store(), name, "paused", reason or labels.BY_HAND)
    click.echo(_("campaign {name!r} paused").format(name=name))


@campaign.command(
    "resume",
    help=_("Resume a paused campaign."),
)
@click.argument("name")
def resume(name: str) -> None:
    service.set_state(open_store(), name, "active")
    click.echo(_("campaign {name!r} resumed").format(name=name))


@campaign.command(
    "archive",
    help=_("Archive a campaign: nothing more is sent; its history stays."),
)
@click.argument("name")
def archive(name: str) -> None:
    service.set_state(open_store(), name, "archived")
    click.echo(_("campaign {name!r} archived").format(name=name))


@campaign.command(
    "retry",
    help=_(
        "After fixing what made sends fail (a prospect's data, the mailbox, the server): "
        "queue them again."
    ),
)
@click.argument("name")
@click.option(
    "--state",
    type=click.Choice(["failed", "deferred"]),
    default="failed",
    show_default=True,
    help=_("failed: failed enrollments and their sends are queued again; "
           "deferred: deferred sends are due now instead of after their back-off."),
)
@click.option("--json", "as_json", is_flag=True)
def retry(name: str, state: str, as_json: bool) -> None:
    result = service.retry_campaign(open_store(), name, state)
    if as_json:
        return print_json(result)
    if state == "failed":
        click.echo(
            _("campaign {name!r}: {enrollments} failed enrollment(s) active again, "
              "{sends} send(s) queued now").format(
                name=name, enrollments=result["enrollments"], sends=result["sends"])
        )
    else:
        click.echo(_("campaign {name!r}: {sends} deferred send(s) due now")
                   .format(name=name, sends=result["sends"]))
    if result["campaign_state"] == "paused":
        click.echo(_("the campaign is paused: `outreach campaign resume {name}` to send them")
                   .format(name=name))


@campaign.command(
    "list",
    help=_("List campaigns with their enrollment counts."),
)
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    rows = views.list_campaigns(open_store())
    if as_json:
        return print_json(rows)
    if not rows:
        return click.echo(_("no campaigns yet: `outreach campaign create …`"))
    for row in rows:
        row["state"] = labels.state(row["state"])
        row["mailboxes"] = ", ".join(row["mailboxes"])
        row["states"] = ", ".join(
            f"{labels.state(k)} {v}" for k, v in sorted(row["by_state"].items()))
    print_table(rows, {
        "name": _("name"), "state": _("state"), "sequence": _("sequence"), "steps": _("steps"),
        "mailboxes": _("mailboxes"), "enrolled": _("enrolled"), "states": _("states"),
    })


@campaign.command(
    "show",
    help=_(
        "A campaign and every enrollment (state, reason, steps sent, when its next send is "
        "due — a deferred send's retry time — and that send's state)."
    ),
)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def show(name: str, as_json: bool) -> None:
    data = views.show_campaign(open_store(), name)
    if as_json:
        return print_json(data)
    click.echo(
        f"{data['name']}: {labels.state(data['state'])}"
        + (f" ({labels.pause_reason(data['pause_reason'])})" if data["pause_reason"] else "")
    )
    rows = [
        {**row, "state": labels.state(row["state"]),
         "reason": wording.reason(row["reason"]) if row["reason"] else "",
         "next_due_at": labels.when(row["next_due_at"])}
        for row in data["enrollments"]
    ]
    print_table(rows, {
        "email": _("prospect"), "state": _("state"), "reason": _("reason"),
        "steps_sent": _("steps sent"), "next_due_at": _("next due"),
        "next_send": _("next send"), "mailbox": _("mailbox"),
    })


def _local_time(at: datetime, zone: str) -> str:
    """When a send leaves, in the prospect's time zone, written the rep's way."""
    try:
        return i18n.day_time(at.astimezone(ZoneInfo(zone)))
    except (ZoneInfoNotFoundError, ValueError):
        return i18n.day_time(at)


@campaign.command(
    "plan",
    help=_("The projected schedule — who gets which step, from where, when (nothing is sent)."),
)
@click.argument("name")
@click.option("--days", default=14, show_default=True, help=_("How far ahead to project."))
@click.option("--json", "as_json", is_flag=True)
def plan(name: str, days: int, as_json: bool) -> None:
    rows = plan_campaign(open_store(), name, days=days)
    if as_json:
        return print_json([row.__dict__ for row in rows])
    if not rows:
        return click.echo(ngettext("nothing would be sent in the next {days} day",
                                   "nothing would be sent in the next {days} days", days)
                          .format(days=days))
    tasks = [row for row in rows if row.kind != "email"]
    columns = {"local_time": _("local time"), "timezone": _("time zone"), "email": _("prospect"),
               "step": _("step"), "mailbox": _("mailbox")}
    if tasks or any(row.branch for row in rows):
        columns |= {"kind": _("kind"), "branch": _("branch")}
    shown = [{**row.__dict__, "local_time": _local_time(row.at, row.timezone),
              "kind": _kind_label(row.kind), "branch": row.branch or ""} for row in rows]
    sends = len(rows) - len(tasks)
    title = ngettext("{count} send in the next {days} days (prospect's local time)",
                     "{count} sends in the next {days} days (prospect's local time)",
                     sends).format(count=sends, days=days)
    if tasks:
        title += ngettext(", {count} task (done by you)",
                          ", {count} tasks (done by you)", len(tasks)).format(
                              count=len(tasks))  # fmt: skip
    print_table(shown, columns, title=title)


def _kind_label(kind: str) -> str:
    from outreach.sequences.check import task_label

    return _("email") if kind == "email" else _("{task} task").format(task=task_label(kind))
