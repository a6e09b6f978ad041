"""``outreach campaign …``: create, start, pause, resume, archive, retry, list, show, plan."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from outreach.campaigns import service
from outreach.campaigns.plan import plan_campaign
from outreach.campaigns.update import update_campaign
from outreach.cli.output import print_json, print_table
from outreach.i18n import _, ngettext
from outreach.store import open_store
from outreach.views import campaign_list as views

if TYPE_CHECKING:
    from outreach.deliverability.verify import VerifySummary

INCLUDE_ACTIVE = "Also enroll people live in another campaign (skipped by default)."


@click.group()
def campaign() -> None:
    """Campaigns: a sequence sent to a set of prospects from one or more mailboxes."""


@campaign.command("create")
@click.argument("name")
@click.option(
    "--sequence",
    "sequence_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The YAML sequence file (snapshotted into the campaign).",
)
@click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    required=True,
    help="Mailbox to send from; repeat to rotate over several.",
)
@click.option("--tag", "tags", multiple=True, help="Enroll prospects with this tag (repeatable).")
@click.option("--all", "all_prospects", is_flag=True, help="Enroll every prospect.")
@click.option("--include-active", is_flag=True, help=INCLUDE_ACTIVE)
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
    """Create a draft campaign and enroll prospects (suppressed ones, and people live in
    another campaign, are skipped and named)."""
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
    click.echo(f"campaign {name!r} created as a draft: {result.enrolled} prospects enrolled")
    for email, count in result.per_mailbox.items():
        click.echo(f"  {count:>6} from {email}")
    _echo_skipped(result)
    click.echo(f"next: `outreach campaign plan {name}`, then `outreach campaign start {name}`")


@campaign.command("enroll")
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
@click.option("--include-active", is_flag=True, help=INCLUDE_ACTIVE)
@click.option("--json", "as_json", is_flag=True)
def enroll(name: str, emails: tuple[str, ...], include_active: bool, as_json: bool) -> None:
    """Add prospects to a campaign; in a running one their first email is queued at once."""
    result = service.add_prospects(
        open_store(), name, list(emails), include_active=include_active, source="cli"
    )
    if as_json:
        return print_json(asdict(result))
    click.echo(f"{result.enrolled} prospect(s) enrolled in campaign {name!r}")
    _echo_skipped(result)


def _echo_skipped(result: service.Enrolled) -> None:
    """One line per prospect not enrolled, saying why."""
    if result.skipped:
        click.echo(f"  {len(result.skipped)} skipped:")
    for skipped in result.skipped:
        click.echo(f"    {skipped.email}: {skipped.reason}")
    if any(s.why == "active_elsewhere" for s in result.skipped):
        click.echo("  (--include-active enrolls people who are live in another campaign)")


@campaign.command("update")
@click.argument("name")
@click.option("--sequence", "sequence_path", required=True, type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Apply (without it, only show what would change).")
def update(name: str, sequence_path: Path, yes: bool) -> None:
    """Switch a campaign to an edited sequence file: shows the impact first."""
    change = update_campaign(open_store(), name, sequence_path, apply=yes)
    if change.empty:
        return click.echo(f"{sequence_path} changes nothing for campaign {name!r}")
    click.echo(f"{change.in_flight} prospects are in flight in {name!r}; the new sequence:")
    for line in change.steps:
        index = int(line.split()[1].rstrip(":")) - 1 if line.startswith("step ") else None
        ahead = (
            f"  ({change.affected.get(index, 0)} prospects still to get it)"
            if (index is not None)
            else ""
        )
        click.echo(f"  {line}{ahead}")
    if yes:
        click.echo(f"applied; {change.cancelled} queued sends of removed steps cancelled")
    else:
        click.echo("nothing changed yet: run again with --yes to apply")


@campaign.command("start")
@click.argument("name")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Check every address (syntax, MX, disposable) first; invalid ones get nothing.",
)
def start(name: str, verify: bool) -> None:
    """Verify addresses, preflight every prospect × step, then queue the first emails.

    A campaign that would send nothing (every address invalid …) is not started: it stays
    a draft and the command exits non-zero."""
    from outreach.campaigns.verify import verify_enrollments  # DNS: only when verifying

    db = open_store()
    if verify:
        service.require_draft(db, name)
        _echo_verification(verify_enrollments(db, name))
    queued = service.start_campaign(db, name)
    click.echo(
        f"campaign {name!r} started: {queued} first emails queued; "
        "they leave while `outreach run` (or the TUI/daemon) runs"
    )


@campaign.command("verify")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable verdicts.")
def verify_(name: str, as_json: bool) -> None:
    """Check the addresses of a campaign's not-yet-contacted prospects again, asking DNS
    afresh: invalid ones end `invalid`; in a draft, ones an earlier check found invalid
    and that now pass are enrolled again."""
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


@campaign.command("pause")
@click.argument("name")
@click.option("--reason", default="paused by hand", show_default=True)
def pause(name: str, reason: str) -> None:
    """Stop sending for a campaign (replies are still watched)."""
    service.set_state(open_store(), name, "paused", reason)
    click.echo(f"campaign {name!r} paused")


@campaign.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """Resume a paused campaign."""
    service.set_state(open_store(), name, "active")
    click.echo(f"campaign {name!r} resumed")


@campaign.command("archive")
@click.argument("name")
def archive(name: str) -> None:
    """Archive a campaign: nothing more is sent; its history stays."""
    service.set_state(open_store(), name, "archived")
    click.echo(f"campaign {name!r} archived")


@campaign.command("retry")
@click.argument("name")
@click.option(
    "--state",
    type=click.Choice(["failed", "deferred"]),
    default="failed",
    show_default=True,
    help="failed: failed enrollments and their sends are queued again; "
    "deferred: deferred sends are due now instead of after their back-off.",
)
@click.option("--json", "as_json", is_flag=True)
def retry(name: str, state: str, as_json: bool) -> None:
    """After fixing what made sends fail (a prospect's data, the mailbox, the server):
    queue them again."""
    result = service.retry_campaign(open_store(), name, state)
    if as_json:
        return print_json(result)
    if state == "failed":
        click.echo(
            f"campaign {name!r}: {result['enrollments']} failed enrollment(s) active again, "
            f"{result['sends']} send(s) queued now"
        )
    else:
        click.echo(f"campaign {name!r}: {result['sends']} deferred send(s) due now")
    if result["campaign_state"] == "paused":
        click.echo(f"the campaign is paused: `outreach campaign resume {name}` to send them")


@campaign.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """List campaigns with their enrollment counts."""
    rows = views.list_campaigns(open_store())
    if as_json:
        return print_json(rows)
    if not rows:
        return click.echo("no campaigns yet: `outreach campaign create …`")
    for row in rows:
        row["mailboxes"] = ", ".join(row["mailboxes"])
        row["states"] = ", ".join(f"{k} {v}" for k, v in sorted(row["by_state"].items()))
    print_table(rows, ["name", "state", "sequence", "steps", "mailboxes", "enrolled", "states"])


@campaign.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def show(name: str, as_json: bool) -> None:
    """A campaign and every enrollment (state, reason, steps sent, when its next send is
    due — a deferred send's retry time — and that send's state)."""
    data = views.show_campaign(open_store(), name)
    if as_json:
        return print_json(data)
    click.echo(
        f"{data['name']}: {data['state']}"
        + (f" ({data['pause_reason']})" if data["pause_reason"] else "")
    )
    print_table(
        data["enrollments"],
        ["email", "state", "reason", "steps_sent", "next_due_at", "next_send", "mailbox"],
    )


@campaign.command("plan")
@click.argument("name")
@click.option("--days", default=14, show_default=True, help="How far ahead to project.")
@click.option("--json", "as_json", is_flag=True)
def plan(name: str, days: int, as_json: bool) -> None:
    """The projected schedule — who gets which step, from where, when (nothing is sent)."""
    rows = plan_campaign(open_store(), name, days=days)
    if as_json:
        return print_json([row.__dict__ for row in rows])
    if not rows:
        return click.echo(f"nothing would be sent in the next {days} days")
    tasks = [row for row in rows if row.kind != "email"]
    columns = ["local_time", "timezone", "email", "step", "mailbox"]
    if tasks or any(row.branch for row in rows):
        columns += ["kind", "branch"]
    shown = [{**row.__dict__, "kind": _kind_label(row.kind), "branch": row.branch or ""}
             for row in rows]  # fmt: skip
    title = f"{len(rows) - len(tasks)} sends in the next {days} days (prospect's local time)"
    if tasks:
        title += ngettext(", {count} task (done by you)",
                          ", {count} tasks (done by you)", len(tasks)).format(
                              count=len(tasks))  # fmt: skip
    print_table(shown, columns, title=title)


def _kind_label(kind: str) -> str:
    from outreach.sequences.check import task_label

    return _("email") if kind == "email" else _("{task} task").format(task=task_label(kind))
