"""What a reply's intent does: the pure decision, the YAML that asks for it, and the
rep's triage (correct, snooze, handled) with what the read models then show."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.cli import cli
from outreach.errors import ValidationFailed
from outreach.lifecycle import Cause
from outreach.lifecycle.inbound import apply_actions
from outreach.lifecycle.rules import End, Pause, ProposeReferral, Situation, Target, decide
from outreach.lifecycle.values import EnrollmentRef
from outreach.mailbox.classify import Classification, Kind
from outreach.mailbox.classify.intent import IntentResult
from outreach.sequences import StopPolicy, load_sequence, load_sequence_text
from outreach.sequences.convert import sequence_document
from outreach.states import ReplyIntent
from outreach.store import open_store, session_scope
from outreach.store.models import Event, InboundMessage, utcnow
from outreach.views.exports import reply_rows
from outreach.views.inbox import inbox_page
from outreach.views.labels import labelled_examples, language
from outreach.views.reports import build_intent_report
from outreach.watcher.config import WatcherConfig
from outreach.watcher.triage import correct_intent, mark_handled, snooze
from tests.fixtures.campaigns import add_mailbox, add_prospects, start_campaign, write_sequence
from tests.test_watcher_support import enrollment_of, sends_to

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
REPLY = Classification(Kind.REPLY, "written by a person", new_text="…")


def intent(kind: ReplyIntent, *, until: date | None = None, referral: tuple[str, ...] = (),
           review: bool = False) -> IntentResult:  # fmt: skip
    return IntentResult(kind, until, referral, 0.9, review, ("test",))


def target(enrollment_id: int, policy: StopPolicy, email: str = "anna@acme.test") -> Target:
    ref = EnrollmentRef(enrollment_id, 7, 3, 1, email, "acme.test", "active", "q1")
    return Target(ref, policy, 0, BERLIN)


RESUME = StopPolicy(True, True, "ignore", not_now="resume", referral="propose")
PLAIN = StopPolicy(True, True, "ignore")


def decided(result: IntentResult | None, *people: Target) -> tuple[object, ...]:
    situation = Situation("anna@acme.test", people[0], (), people)
    return decide(REPLY, situation, WatcherConfig(), NOW, result)


# -- the decision (pure) --------------------------------------------------------------


def test_not_now_pauses_until_the_start_of_the_day_meant_in_the_prospects_zone() -> None:
    actions = decided(intent(ReplyIntent.NOT_NOW, until=date(2027, 3, 1)), target(1, RESUME))
    assert actions == (Pause(1, datetime(2027, 3, 1, tzinfo=BERLIN), "not_now"),)


def test_not_now_without_a_day_or_with_one_past_pauses_for_the_default() -> None:
    for until in (None, date(2026, 11, 1)):
        [pause] = decided(intent(ReplyIntent.NOT_NOW, until=until), target(1, RESUME))
        assert pause == Pause(1, NOW + timedelta(days=90), "not_now")


def test_every_campaign_of_the_person_follows_its_own_policy() -> None:
    actions = decided(intent(ReplyIntent.NOT_NOW, until=date(2027, 3, 1)),
                      target(1, PLAIN), target(2, RESUME))  # fmt: skip
    assert actions == (
        End(1, "replied", "reply"),
        Pause(2, datetime(2027, 3, 1, tzinfo=BERLIN), "not_now"),
    )


def test_an_intent_that_needs_review_or_none_acts_as_a_plain_reply() -> None:
    unsure = intent(ReplyIntent.NOT_NOW, until=date(2027, 3, 1), review=True)
    for result in (unsure, None):
        assert decided(result, target(1, RESUME)) == (End(1, "replied", "reply"),)


def test_a_referral_is_proposed_only_where_the_campaign_says_so() -> None:
    named = intent(ReplyIntent.REFERRAL, referral=("petra.wolf@acme.test", "anna@acme.test"))
    assert decided(named, target(1, RESUME)) == (
        End(1, "replied", "reply"),
        ProposeReferral("petra.wolf@acme.test", 1, 7, "anna@acme.test"),  # never the sender
    )
    assert decided(named, target(1, PLAIN)) == (End(1, "replied", "reply"),)


# -- the sequence YAML ----------------------------------------------------------------

BASE = "name: t\nstop:\n  on_reply: true\n{extra}steps:\n  - subject: Hi\n    body: Hello\n"


def test_the_defaults_keep_every_reply_a_stop() -> None:
    stop = load_sequence_text(BASE.format(extra="")).stop
    assert (stop.not_now, stop.not_now_default, stop.referral) == (
        "stop", timedelta(days=90), "ignore",
    )  # fmt: skip


def test_effects_load_and_survive_the_snapshot() -> None:
    extra = "  not_now: Resume\n  not_now_default: 12w\n  referral: propose\n"
    sequence = load_sequence_text(BASE.format(extra=extra))
    assert (sequence.stop.not_now, sequence.stop.not_now_default, sequence.stop.referral) == (
        "resume", timedelta(weeks=12), "propose",
    )  # fmt: skip
    document = sequence_document(sequence)
    assert document["stop"]["not_now_default"] == "12w"
    assert load_sequence_text(json.dumps(document)).stop == sequence.stop


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("  not_now: later\n", ["bad.yaml:4:12: stop.not_now:", "'later'", "write stop or resume"]),
        ("  referral: enroll\n", ["bad.yaml:4:13: stop.referral:", "write ignore or propose"]),
        ("  not_now_default: 3 business days\n",
         ["bad.yaml:4:20: stop.not_now_default:", "plain duration", "90d"]),
        ("  not_now_default: 90\n", ["bad.yaml:4:20: stop.not_now_default:", "has no unit", "90d"]),
    ],
)
def test_bad_effect_values_name_file_line_and_fix(
    tmp_path: Path, extra: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.format(extra=extra))
    with pytest.raises(ValidationFailed) as failed:
        load_sequence(path)
    for fragment in expected:
        assert fragment in str(failed.value)


# -- triage by hand, and the read models ----------------------------------------------

ANNA = "anna@acme.test"


def answered_campaign(tmp_path: Path) -> tuple[Engine, int]:
    """A started campaign (``not_now: resume``) and Anna's stored reply, classified
    ``interested``, which ended her enrollment as the watcher would have."""
    db = open_store()
    add_mailbox(db, "rep@sales.test", "pw", "127.0.0.1", 2525, 1143)
    add_prospects(db, [ANNA])
    path = write_sequence(tmp_path / "s.yaml", wait="1d")
    path.write_text(path.read_text().replace(
        "on_auto_reply: false}", "on_auto_reply: false, not_now: resume}"))  # fmt: skip
    start_campaign(db, "c", path, ["rep@sales.test"])
    enrollment = enrollment_of(db, ANNA)
    with session_scope(db) as session:
        row = InboundMessage(
            mailbox_id=1, folder="INBOX", uidvalidity=1, uid=1, message_id="<r1@acme.test>",
            from_addr=ANNA, subject="Re: Hello", received_at=utcnow(), kind="reply",
            new_text="Gerne, rufen Sie mich an.", enrollment_id=enrollment.id,
            intent="interested", intent_confidence=0.8, intent_why=["test"],
            details={"quoted": "> Hi, step one."},
        )  # fmt: skip
        session.add(row)
        session.flush()
        assert row.id is not None
        end = End(enrollment.id or 0, "replied", "reply")
        apply_actions(session.connection(), [end], Cause("inbox", inbound_id=row.id), utcnow())
        return db, row.id


def test_correcting_the_intent_re_applies_its_effects(any_db: str, tmp_path: Path) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    assert enrollment_of(db, ANNA).state == "replied"
    done = correct_intent(db, inbound_id, "not_now", by="rep", now=NOW)
    assert (done.was, done.intent, done.reopened) == ("interested", "not_now", True)
    enrollment = enrollment_of(db, ANNA)
    resume_at = NOW + timedelta(days=90)  # the reply named no day: the default
    assert (enrollment.state, enrollment.reason, enrollment.resume_at) == (
        "paused", "not_now", resume_at,
    )  # fmt: skip
    assert [s.due_at for s in sends_to(db, ANNA, "scheduled")] == [resume_at]
    with Session(db) as session:
        row = session.get_one(InboundMessage, inbound_id)
        kinds = list(session.exec(select(Event.kind).order_by(col(Event.id))))
    assert (row.manual_intent, row.manual_intent_by, row.intent) == ("not_now", "rep", "interested")
    assert kinds[-3:] == ["reopened", "paused", "intent_corrected"]
    [item] = inbox_page(db, "reply").rows
    assert (item.intent, item.classified_intent, item.intent_by_hand) == (
        "not_now", "interested", True,
    )  # fmt: skip
    assert "intent set by hand (rep): interested → not now" in item.caused

    back = correct_intent(db, inbound_id, "interested", by="rep", now=NOW)
    assert back.reopened and enrollment_of(db, ANNA).state == "replied"
    with pytest.raises(Exception, match="unknown intent"):
        correct_intent(db, inbound_id, "maybe", by="rep")


def test_snoozed_and_handled_replies_leave_the_queue(any_db: str, tmp_path: Path) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    today = utcnow().date()
    assert inbox_page(db, "to_answer", today=today).total == 1
    assert build_intent_report(db).total.to_answer == 1
    snooze(db, inbound_id, today + timedelta(days=3))
    assert inbox_page(db, "to_answer", today=today).total == 0
    assert inbox_page(db, "to_answer", today=today + timedelta(days=3)).total == 1
    snooze(db, inbound_id, None)
    mark_handled(db, inbound_id)
    assert inbox_page(db, "to_answer", today=today).total == 0
    [item] = inbox_page(db, "reply").rows
    assert item.handled and item.quoted == "> Hi, step one."
    mark_handled(db, inbound_id, handled=False)
    assert inbox_page(db, "to_answer", today=today).total == 1


def test_report_export_and_labels_carry_the_intent(any_db: str, tmp_path: Path) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    report = build_intent_report(db, "c")
    assert [(r.intent, r.replies, r.share, r.to_answer) for r in report.rows] == [
        ("interested", 1, 1.0, 1),
    ]
    [exported] = reply_rows(db)
    assert (exported["intent"], exported["confidence"], exported["needs_review"]) == (
        "interested", 0.8, False,
    )  # fmt: skip
    assert list(labelled_examples(db)) == []  # nobody labelled anything yet
    correct_intent(db, inbound_id, "question", by="rep")
    [example] = labelled_examples(db)
    assert {k: example[k] for k in ("id", "lang", "intent", "split", "new_text")} == {
        "id": f"inbox-{inbound_id}", "lang": "de", "intent": "question", "split": "train",
        "new_text": "Gerne, rufen Sie mich an.",
    }  # fmt: skip
    assert example["text"] == "Gerne, rufen Sie mich an.\n\n> Hi, step one."
    assert set(example) == {"id", "lang", "date", "subject", "from", "text", "new_text",
                            "intent", "intent_until", "referral", "split"}  # fmt: skip


def test_cli_report_by_intent_and_export_labels(outreach_home: Path, tmp_path: Path) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    correct_intent(db, inbound_id, "interested", by="rep")  # accepted as it was
    runner = CliRunner()
    report = runner.invoke(cli, ["report", "--by", "intent", "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["rows"][0]["intent"] == "interested"
    out = tmp_path / "labels.jsonl"
    labels = runner.invoke(cli, ["inbox", "export-labels", "-o", str(out)])
    assert labels.exit_code == 0, labels.output
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["intent"] == "interested"


def test_language_of_a_reply() -> None:
    assert language("Bitte melden Sie sich im März wieder.") == "de"
    assert language("Please get back to me in March, thanks.") == "en"


# -- the TUI inbox as a triage queue (Pilot) ------------------------------------------


async def test_triage_keys_in_the_inbox(outreach_home: Path, tmp_path: Path) -> None:
    from outreach.tui.factory import build_app
    from outreach.tui.screens.inbox import InboxScreen
    from outreach.tui.screens.pickers import ChoiceScreen
    from outreach.tui.screens.timeline import TimelineScreen
    from tests.test_tui_support import screen_text, settle, until

    db, inbound_id = answered_campaign(tmp_path)
    clock = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

    def stored() -> InboundMessage:
        with Session(db) as session:
            return session.get_one(InboundMessage, inbound_id)

    app = build_app(db=db, sequences_dir=tmp_path, engine_factory=None, refresh_seconds=0,
                    now=lambda: clock, tz=ZoneInfo("UTC"))  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "to answer: interested 1" in screen_text(app)  # the dashboard
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        text = screen_text(app)
        assert "interested 80%" in text and "> Hi, step one." in text  # intent, quote apart
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # question, not_now …: the second is not_now
        await until(pilot, lambda: stored().manual_intent == "not_now", what="intent changed")
        assert enrollment_of(db, ANNA).state == "paused"  # its effects re-applied
        assert "not now ✎" in screen_text(app)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # tomorrow
        await until(pilot, lambda: stored().snoozed_until == date(2026, 11, 11), what="snoozed")
        await pilot.press("h")
        await until(pilot, lambda: stored().triaged_at is not None, what="handled")
        await pilot.press("y")  # accept the corrected intent: nothing more changes
        await settle(pilot)
        assert stored().manual_intent == "not_now"
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)


def test_a_held_reply_must_be_reclassified_before_its_intent_acts(
    any_db: str, tmp_path: Path
) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    with session_scope(db) as session:
        row = session.get_one(InboundMessage, inbound_id)
        row.details = {**row.details, "held": "sender not authenticated"}
        session.add(row)
    with pytest.raises(Exception, match="held for review"):
        correct_intent(db, inbound_id, "not_now", by="rep")


NOT_NOW_EML = """\
From: Dora Kunde <dora@kunde-beispiel.de>
To: rep@sales.test
Subject: Re: Kurze Frage
Date: Tue, 10 Nov 2026 09:00:00 +0100
In-Reply-To: <step1@sales.test>
Message-ID: <x1@kunde-beispiel.de>
Content-Type: text/plain; charset=utf-8

Bitte melden Sie sich im März wieder.

Am 09.11.2026 um 10:00 schrieb Rep <rep@sales.test>:
> Hallo Dora, kurze Frage zu Ihrem Vertrieb.
"""


def test_inbox_classify_json_gives_a_replys_intent(tmp_path: Path) -> None:
    path = tmp_path / "reply.eml"
    path.write_text(NOT_NOW_EML, encoding="utf-8")
    result = CliRunner().invoke(cli, ["inbox", "classify", "--json", str(path)])
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)
    assert (found["kind"], found["intent"], found["intent_until"]) == (
        "reply", "not_now", "2027-03-01",  # the next 1 March after the Date header
    )  # fmt: skip
    assert (found["referral"], found["needs_review"]) == ([], False)
    assert 0 < found["confidence"] <= 1


def test_the_worker_reads_a_replys_intent_and_quote_within_the_deadline() -> None:
    from outreach.mailbox.classify import default_rules
    from outreach.watcher.deadline import SHUNTED, ClassifierProcess

    worker = ClassifierProcess()
    try:
        reading = worker.read(NOT_NOW_EML.encode(), default_rules(), frozenset(), 30.0)
        assert reading.intent is not None and reading.intent.intent is ReplyIntent.NOT_NOW
        assert reading.intent.until == date(2027, 3, 1)
        assert "Hallo Dora, kurze Frage" in reading.quoted
        assert "Hallo Dora" not in reading.result.new_text  # the intent read the new text only
        ours = worker.read(b"From: x@y.test\nSubject: hi\n\nnot ours\n",
                             default_rules(), frozenset({"x@y.test"}), 30.0)  # fmt: skip
        assert ours.intent is None and SHUNTED not in ours.result.flags  # our own copy: no reply
    finally:
        worker.stop()


def test_sequence_check_says_what_a_reply_does(outreach_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BASE.format(extra="  not_now: resume\n  not_now_default: 8w\n"))
    result = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert '"not now" pauses them until the day named (else 8 weeks), then goes on' in result.output
    assert "proposed" not in result.output  # referral: ignore, the default
    path.write_text(BASE.format(extra=""))
    plain = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert "a reply stops the follow-ups\n" in plain.output


def test_accepting_an_unsure_intent(any_db: str, tmp_path: Path) -> None:
    db, inbound_id = answered_campaign(tmp_path)
    with session_scope(db) as session:
        row = session.get_one(InboundMessage, inbound_id)
        row.intent, row.needs_review = "other", True
        session.add(row)
    done = correct_intent(db, inbound_id, "other", by="rep")  # acts as it did: no churn
    assert (done.actions, done.reopened) == ((), False)
    assert enrollment_of(db, ANNA).state == "replied"
    [item] = inbox_page(db, "reply").rows
    assert (item.intent, item.needs_review) == ("other", False)  # reviewed now

    with session_scope(db) as session:
        row = session.get_one(InboundMessage, inbound_id)
        row.intent, row.needs_review, row.manual_intent = "not_now", True, None
        session.add(row)
    done = correct_intent(db, inbound_id, "not_now", by="rep", now=NOW)  # now it may act
    assert done.reopened and enrollment_of(db, ANNA).state == "paused"
