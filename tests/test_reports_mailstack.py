"""``outreach report`` cross-checked against a scripted campaign on the real Postfix +
Dovecot stack.

Two reps send a three-step sequence (an A/B first step, follow-ups seconds apart) to eight
prospects. Real mailboxes answer by SMTP: three people reply (to the first, second and
last message), one asks to be removed, one is out of office, and one address has no
mailbox, so Postfix returns a DSN. The engine and the watcher run until every prospect
has settled; then each ``report --json`` grouping must equal what is counted from the
mailboxes over IMAP (sends by Message-ID in the reps' Sent folders, delivered copies in
the prospects' INBOXes, DSNs and answers in the reps' INBOXes) and from the script.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from outreach.cli import cli
from outreach.sandbox.personas import (
    Behaviour,
    Persona,
    auto_reply,
    human_reply,
    unsubscribe_reply,
)
from outreach.sequences import choose_variant, load_sequence
from outreach.services import inbox_watcher
from outreach.store import open_store
from tests.fixtures.campaigns import add_mailbox, add_prospects, fast_config
from tests.fixtures.mailstack import MailStack
from tests.reports_support import (
    SeenOutcome,
    SeenSend,
    Waiting,
    dsn_original,
    expected_report,
    inbox_arrivals,
    seen_send,
    utc_day,
)
from tests.test_watcher_support import (
    Services,
    fast_watcher_config,
    inbound_rows,
    states,
)

pytestmark = pytest.mark.mailstack

SEQUENCE = """\
name: report cross-check
schedule: {timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
pace: {daily_cap: 1000, gap: 0s-1s}
stop: {on_reply: true, on_company_reply: false, on_auto_reply: pause}
steps:
  - variants:
      - subject: "Hello {{ company }}"
        body: "Hi {{ first_name }}, step 1 (variant A)."
      - subject: "A question, {{ first_name }}"
        body: "Hello {{ first_name }}, step 1 (variant B)."
  - wait: 3s
    body: "Hi {{ first_name }}, step 2 (variant A)."
  - wait: 3s
    body: "Hi {{ first_name }}, step 3 (variant A)."
"""
STEPS = 3
SUBJECTS = {"step 1 A": "Hello {{ company }}", "step 1 B": "A question, {{ first_name }}"}
DEADLINE = 30.0  # seconds for the whole campaign to settle


@dataclass(frozen=True)
class Part:
    """One scripted prospect: what they do, to which of their messages, how they end."""

    behaviour: Behaviour
    on_message: int
    """1-based; silent prospects get every step."""
    state: str
    """The enrollment state once everything has settled."""

    @property
    def receives(self) -> int:
        """How many messages reach their mailbox."""
        return 0 if self.behaviour is Behaviour.BOUNCE else self.on_message


CAST = {
    "ann": Part(Behaviour.REPLY, 1, "replied"),
    "ben": Part(Behaviour.REPLY, 2, "replied"),
    "cat": Part(Behaviour.REPLY, 3, "finished"),  # after the last step: nothing to stop
    "dan": Part(Behaviour.SILENT, STEPS, "finished"),
    "gil": Part(Behaviour.SILENT, STEPS, "finished"),
    "eve": Part(Behaviour.UNSUBSCRIBE, 1, "unsubscribed"),
    "fay": Part(Behaviour.AUTO_REPLY, 1, "paused"),
    "ghost": Part(Behaviour.BOUNCE, 1, "bounced"),  # no mailbox: LMTP refuses, Postfix DSNs
}
ANSWER_KINDS = {
    Behaviour.REPLY: "reply",
    Behaviour.UNSUBSCRIBE: "unsubscribe",
    Behaviour.AUTO_REPLY: "auto_reply",
}
FIRST_STEP_TAKERS = ("ann", "eve", "fay", "ghost")  # who react to the first message


@dataclass(frozen=True)
class Setup:
    db: Engine
    campaign: str
    reps: tuple[str, ...]
    people: dict[str, str]
    """Role in CAST → address."""


@dataclass(frozen=True)
class Answer:
    """A scripted answer as it went out: its kind, the Message-ID it answers, its own."""

    role: str
    kind: str
    answers: str
    message_id: str


@dataclass(frozen=True)
class Observed:
    sends: list[SeenSend]
    outcomes: list[SeenOutcome]
    waiting: list[Waiting]


@pytest.fixture
def stack(mailstack: MailStack, monkeypatch: pytest.MonkeyPatch, outreach_home: Path) -> MailStack:
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))  # verify TLS against its CA
    return mailstack


async def test_report_equals_what_the_mail_stack_saw(stack: MailStack, tmp_path: Path) -> None:
    setup = set_up(stack, tmp_path)
    answers = await run_campaign(stack, setup)
    observed = await asyncio.to_thread(observe, stack, setup, answers)

    assert_scenario_happened(setup, observed)
    runner = CliRunner()
    for by in (None, "step", "variant", "mailbox", "day"):
        expected = expected_report(setup.campaign, by, *as_tally(observed), setup.campaign,
                                   SUBJECTS)
        assert report_json(runner, setup.campaign, by) == expected, f"--by {by}"
    all_campaigns = expected_report(None, None, *as_tally(observed), setup.campaign)
    assert report_json(runner, None, None) == all_campaigns


# -- setting up ---------------------------------------------------------------------------


def set_up(stack: MailStack, tmp_path: Path) -> Setup:
    """Two fresh reps, the cast as fresh mailboxes (but no ghost's), a started campaign."""
    tag = uuid.uuid4().hex[:8]
    db = open_store()
    reps = tuple(f"rep{n}-{tag}@sales.test" for n in (1, 2))
    for rep in reps:
        stack.add_user(rep, "rep-secret")
        add_mailbox(db, rep, "rep-secret", stack.host, stack.smtp_port, stack.imaps_port,
                    security="starttls")
    domains = ("prospects.test", "acme.test")
    people = {role: f"{role}-{tag}@{domains[n % 2]}" for n, role in enumerate(CAST)}
    for role, address in people.items():
        if CAST[role].behaviour is not Behaviour.BOUNCE:
            stack.add_user(address, f"{role}-secret")
    add_prospects(db, people.values())
    sequence = tmp_path / "sequence.yaml"
    sequence.write_text(SEQUENCE)
    campaign = campaign_name(sequence, people)
    start_by_cli(campaign, sequence, reps)
    return Setup(db, campaign, reps, people)


def campaign_name(sequence: Path, people: dict[str, str]) -> str:
    """A name whose stable A/B split gives both variants to those who react to the first
    message and to the others, so every variant row has sends and outcomes to check.
    (Only the scenario uses the product's choice; the expected numbers read the bodies.)"""
    first = load_sequence(sequence).steps[0]
    for n in range(1000):
        name = f"xcheck-{n}"
        split = {role: choose_variant(address, name, first) for role, address in people.items()}
        takers = {split[role] for role in FIRST_STEP_TAKERS}
        others = {v for role, v in split.items() if role not in FIRST_STEP_TAKERS}
        if takers == others == {0, 1}:
            return name
    raise AssertionError("no campaign name splits the cast over both variants")


def start_by_cli(campaign: str, sequence: Path, reps: tuple[str, ...]) -> None:
    """``campaign create`` rotating over ``reps``, then ``campaign start --no-verify``
    (verifying would ask DNS about the test domains)."""
    mailboxes = [arg for rep in reps for arg in ("--mailbox", rep)]
    for args in (
        ["campaign", "create", campaign, "--sequence", str(sequence), *mailboxes, "--tag", "t"],
        ["campaign", "start", campaign, "--no-verify"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output


# -- running ------------------------------------------------------------------------------


async def run_campaign(stack: MailStack, setup: Setup) -> list[Answer]:
    """Engine and watcher run while the cast answers; until every prospect has settled."""
    back_on = date.today() + timedelta(days=20)
    async with Services(setup.db, fast_config(), inbox_watcher(setup.db, fast_watcher_config())) as s:
        tasks = [
            asyncio.create_task(answer(stack, role, setup.people[role], back_on), name=role)
            for role, part in CAST.items()
            if part.behaviour in ANSWER_KINDS
        ]
        try:
            await s.until(lambda: settled(setup, tasks), DEADLINE, what="every prospect settled")
        except TimeoutError:
            raise AssertionError(not_settled(setup, tasks)) from None
    return [task.result() for task in tasks]


async def answer(stack: MailStack, role: str, address: str, back_on: date) -> Answer:
    """Wait for the message ``role`` reacts to, then send their answer over SMTP."""
    part = CAST[role]
    inbox = await asyncio.to_thread(
        stack.wait_for_messages, address, part.on_message, timeout=DEADLINE
    )
    original = inbox[part.on_message - 1]
    assert isinstance(original, EmailMessage)
    message = compose(Persona(address, part.behaviour, language="en"), original, back_on)
    async with stack.smtp_client(address, stack.password_of(address)) as smtp:
        await smtp.send_message(message)
    kind = ANSWER_KINDS[part.behaviour]
    return Answer(role, kind, str(original["Message-ID"]), str(message["Message-ID"]))


def compose(persona: Persona, original: EmailMessage, back_on: date) -> EmailMessage:
    now = datetime.now(UTC)
    if persona.behaviour is Behaviour.AUTO_REPLY:
        return auto_reply(original, persona, now, back_on)
    if persona.behaviour is Behaviour.UNSUBSCRIBE:
        return unsubscribe_reply(original, persona, now)
    return human_reply(original, persona, now)


def settled(setup: Setup, tasks: list[asyncio.Task[Answer]]) -> bool:
    """Every answer sent, every prospect in its final state, every answer and the DSN seen."""
    for task in tasks:
        if task.done():
            task.result()  # a failed answer fails the test now, not at the deadline
    final = {setup.people[role]: part.state for role, part in CAST.items()}
    return (
        all(task.done() for task in tasks)
        and {address: state for address, (state, _) in states(setup.db).items()} == final
        and len(inbound_rows(setup.db)) >= len(tasks) + 1
    )


def not_settled(setup: Setup, tasks: list[asyncio.Task[Answer]]) -> str:
    """What the campaign looked like when the deadline passed."""
    roles = {address: role for role, address in setup.people.items()}
    now = {roles[address]: state for address, state in states(setup.db).items()}
    seen = [(row.kind, row.from_addr, row.enrollment_id) for row in inbound_rows(setup.db)]
    due = [task.get_name() for task in tasks if not task.done()]
    return f"not settled after {DEADLINE}s: {now}; inbound {seen}; answers not sent: {due}"


# -- observing the mailboxes (blocking IMAP; run in a thread) ------------------------------

Arrivals = dict[str, dict[str, tuple[Message, datetime]]]
"""Rep → Message-ID → (message, INTERNALDATE) of their INBOX."""


def observe(stack: MailStack, setup: Setup, answers: list[Answer]) -> Observed:
    """What the stack holds, read over IMAP, in the tally's terms."""
    delivered = delivered_ids(stack, setup)
    arrivals = {rep: inbox_arrivals(stack, rep) for rep in setup.reps}
    bounced = bounced_ids(setup, arrivals)
    sends = sent_copies(stack, setup, delivered, bounced)
    by_id = {send.message_id: send for send in sends}
    outcomes = [answer_outcome(setup, a, by_id, arrivals) for a in answers]
    outcomes += [
        SeenOutcome("bounce_hard", by_id[original], utc_day(arrivals[rep][dsn][1]))
        for dsn, (rep, original) in bounced.items()
    ]
    fay = next(s for s in sends if s.prospect == setup.people["fay"])
    return Observed(sends, outcomes, [Waiting(fay.mailbox, next_step=2)])


def delivered_ids(stack: MailStack, setup: Setup) -> dict[str, str]:
    """Message-ID → the rep it came from, for every copy in the prospects' INBOXes; each
    prospect holds exactly what the script says reaches them."""
    delivered: dict[str, str] = {}
    for role, part in CAST.items():
        if part.receives:
            inbox = stack.wait_for_messages(setup.people[role], part.receives)
            assert len(inbox) == part.receives, f"{role} got {len(inbox)} messages"
            delivered |= {str(m["Message-ID"]): sender_of(m) for m in inbox}
    assert set(delivered.values()) <= set(setup.reps)
    return delivered


def sender_of(message: Message) -> str:
    return parseaddr(str(message["From"]))[1].lower()


def bounced_ids(setup: Setup, arrivals: Arrivals) -> dict[str, tuple[str, str]]:
    """DSN Message-ID → (the rep it came back to, the Message-ID it returns); there is
    exactly one, and it names the ghost."""
    found = {
        dsn: (rep, returned)
        for rep, inbox in arrivals.items()
        for dsn, (message, _) in inbox.items()
        if (returned := dsn_original(message)) is not None
    }
    assert [recipient for _, (_, recipient) in found.values()] == [setup.people["ghost"]]
    return {dsn: (rep, original) for dsn, (rep, (original, _)) in found.items()}


def sent_copies(
    stack: MailStack, setup: Setup, delivered: dict[str, str], bounced: dict[str, tuple[str, str]]
) -> list[SeenSend]:
    """Every rep's Sent folder holds exactly what was delivered from it or bounced back to it."""
    sends: list[SeenSend] = []
    for rep in setup.reps:
        want = {mid for mid, sender in delivered.items() if sender == rep}
        want |= {original for to, original in bounced.values() if to == rep}
        copies = stack.wait_for_messages(rep, len(want), "Sent")
        assert {str(copy["Message-ID"]) for copy in copies} == want, f"{rep} Sent folder"
        sends += [seen_send(copy, rep) for copy in copies]
    return sends


def answer_outcome(
    setup: Setup, answer: Answer, by_id: dict[str, SeenSend], arrivals: Arrivals
) -> SeenOutcome:
    """The scripted answer as the report should count it: at the message it answered (which
    is the step the script says, sent to that person), on the day it reached the rep."""
    answered = by_id[answer.answers]
    assert (answered.prospect, answered.step) == (setup.people[answer.role],
                                                  CAST[answer.role].on_message)
    _, arrived_at = arrivals[answered.mailbox][answer.message_id]  # the rep who wrote got it
    return SeenOutcome(answer.kind, answered, utc_day(arrived_at))


# -- checking -------------------------------------------------------------------------------


def assert_scenario_happened(setup: Setup, observed: Observed) -> None:
    """The run did what the script meant, so the report has every kind of number to get
    right: both reps and both variants used, every outcome once."""
    sends = observed.sends
    assert len(sends) == sum(part.receives for part in CAST.values()) + 1  # + the ghost's
    assert {s.mailbox for s in sends} == set(setup.reps)
    assert {s.variant for s in sends if s.step == 1} == {"A", "B"}
    kinds = sorted(o.kind for o in observed.outcomes)
    assert kinds == ["auto_reply", "bounce_hard", "reply", "reply", "reply", "unsubscribe"]


def as_tally(observed: Observed) -> tuple[list[SeenSend], list[SeenOutcome], list[Waiting]]:
    return observed.sends, observed.outcomes, observed.waiting


def report_json(runner: CliRunner, campaign: str | None, by: str | None) -> Any:
    """``outreach report [campaign] --json [--by by]``, parsed."""
    args = ["report", *([campaign] if campaign else []), "--json", *(["--by", by] if by else [])]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
