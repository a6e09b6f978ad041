"""Task steps (call, LinkedIn, custom) and ``when:`` conditions in the sequence YAML:
loading, snapshots, file:line errors, conditions that can never hold, preview."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.errors import ValidationFailed
from outreach.sequences import (
    Condition,
    Task,
    Wait,
    from_snapshot,
    load_sequence,
    load_sequence_text,
    render_note,
    sequence_hash,
    step_summary,
    to_snapshot,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "sequences" / "example-de-tasks.yaml"

HEAD = """\
name: t
stop: {not_now: resume, on_auto_reply: pause}
steps:
  - subject: "Hallo {{ company }}"
    body: hi
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_sequence_text(text, "s.yaml")
    return list(caught.value.problems)


def test_the_german_example_mixes_emails_a_call_and_linkedin() -> None:
    sequence = load_sequence(EXAMPLE)
    kinds = [step.task.kind if step.task else "email" for step in sequence.steps]
    assert kinds == ["email", "call", "email", "linkedin"]
    call = sequence.steps[1]
    assert call.task == Task("call", call.task.note if call.task else "", Wait(business_days=2))
    assert call.wait == Wait(business_days=2) and call.variants == ()
    assert sequence.steps[2].when == Condition("task", "no_answer")
    assert sequence.steps[2].new_thread is False  # a reply in the first email's thread
    linkedin = sequence.steps[3].task
    assert linkedin is not None and linkedin.due_within == Wait(business_days=2)  # default
    assert "Sie" in EXAMPLE.read_text(encoding="utf-8")


def test_a_task_note_renders_with_the_email_renderer() -> None:
    sequence = load_sequence(EXAMPLE)
    with_phone = render_note(sequence, 1, {"email": "m@x.de", "first_name": "Max",
                                           "last_name": "Müller", "company": "Süß GmbH",
                                           "telefon": "+49 30 1234"})
    assert "Anrufen: Max Müller, Süß GmbH" in with_phone
    assert "Telefon: +49 30 1234" in with_phone
    without = render_note(sequence, 1, {"email": "m@x.de", "company": "Süß GmbH",
                                        "telefon": "  "})
    assert "Telefon: keine Nummer – bitte recherchieren" in without  # blank = missing


def test_snapshots_keep_tasks_and_conditions_and_old_hashes_stay() -> None:
    sequence = load_sequence(EXAMPLE)
    snapshot = to_snapshot(sequence)
    assert from_snapshot(snapshot) == sequence
    assert snapshot["steps"][1]["task"] == "call"
    assert snapshot["steps"][2]["when"] == {"task": "no_answer"}
    plain = load_sequence(ROOT / "sequences" / "example-de.yaml")
    for step in to_snapshot(plain)["steps"]:  # nothing new in a sequence without them
        assert set(step) == {"wait", "new_thread", "variants"}
    # the hash of a plain sequence is the one campaigns started before tasks existed stored
    assert sequence_hash(plain) == sequence_hash(from_snapshot(to_snapshot(plain)))


def test_every_condition_form_loads() -> None:
    text = HEAD + """\
  - task: custom
    note: Angebot vorbereiten
    due_within: 1d
    on_reply: continue
  - when: no_reply
    body: a
  - when: auto_reply
    body: b
  - when: {intent: not_now}
    body: c
  - when: {task: reached}
    body: d
  - when: {task: skipped}
    task: call
    note: e
"""
    sequence = load_sequence_text(text)
    assert [s.when for s in sequence.steps] == [
        None, None, Condition("no_reply"), Condition("auto_reply"), Condition("intent", "not_now"),
        Condition("task", "reached"), Condition("task", "skipped"),
    ]
    task = sequence.steps[1].task
    assert task == Task("custom", "Angebot vorbereiten", Wait(timedelta(days=1)), True)
    summary = step_summary(sequence)
    assert summary[1] == "step 2 after 0 seconds: custom task, due within 1 day, goes on after a reply"
    assert summary[5].endswith("reply in thread, only when task: reached")


def test_bad_task_fields_are_named_by_file_and_line() -> None:
    found = problems(HEAD + """\
  - task: phone
    note: x
  - task: call
    body: hallo
  - task: call
  - note: hallo
    body: x
  - task: call
    note: x
    due_within: 0
  - task: call
    note: x
    on_reply: ignore
""")
    assert found[0].startswith("s.yaml:6:11: steps[1].task: 'phone' is not allowed here")
    assert "write call or linkedin or custom" in found[0]
    assert found[1].startswith("s.yaml:8:5: steps[2]: a task step sends no email, so it has "
                               "no body")
    assert found[2].startswith("s.yaml:10:5: steps[3]: a task step needs a note")
    assert found[3].startswith("s.yaml:11:5: steps[4]: note belongs to a task step")
    assert found[4].startswith("s.yaml:15:17: steps[5].due_within: 0 is not a duration above")
    assert found[5].startswith("s.yaml:18:15: steps[6].on_reply: 'ignore' is not allowed here")
    assert len(found) == 6


def test_bad_when_values_are_named_by_file_and_line() -> None:
    found = problems(HEAD + """\
  - when: maybe
    body: a
  - when: {task: answered}
    body: b
  - when: {mood: happy}
    body: c
""")
    assert found[0].startswith("s.yaml:6:11: steps[1].when: 'maybe' is not a condition → "
                               "write no_reply, auto_reply, {intent: not_now} or {task: ")
    assert found[1].startswith("s.yaml:8:11: steps[2].when:")
    assert "'answered'" in found[1]
    assert found[2].startswith("s.yaml:10:11: steps[3].when:")
    assert len(found) == 3


def test_conditions_that_can_never_hold_are_refused() -> None:
    found = problems("""\
name: t
stop: {on_auto_reply: true}
steps:
  - subject: s
    body: a
    when: auto_reply
  - when: {task: no_answer}
    body: b
  - task: call
    note: c
  - when: {intent: not_now}
    body: d
  - when: auto_reply
    body: e
  - when: {task: reached}
    body: f
""")
    assert found == [
        "s.yaml:6:11: steps[0].when: `auto_reply` can never hold on the first step: nothing "
        "was sent yet → remove when: from the first step",
        "s.yaml:7:11: steps[1].when: `task: no_answer` can never hold: no task step comes "
        "before this one → move this step after a task step, or remove when:",
        's.yaml:11:11: steps[3].when: `intent: not_now` can never hold: a "not now" reply '
        "ends the sequence (stop.not_now: stop) → set stop.not_now: resume, or remove when:",
        "s.yaml:13:11: steps[4].when: `auto_reply` can never hold: an out-of-office ends the "
        "sequence (stop.on_auto_reply: true) → set stop.on_auto_reply: pause or false, or "
        "remove when:",
    ]


def test_a_task_first_then_the_first_email_opens_the_thread() -> None:
    sequence = load_sequence_text("""\
name: t
steps:
  - task: linkedin
    note: Profil ansehen
  - wait: 1d
    subject: Hallo
    body: a
  - wait: 2d
    body: b
""")
    assert [s.new_thread for s in sequence.steps] == [False, True, False]
    assert from_snapshot(to_snapshot(sequence)) == sequence
    found = problems("""\
name: t
steps:
  - task: linkedin
    note: Profil ansehen
  - wait: 1d
    body: a
""")
    assert found == ["s.yaml:5:5: steps[1]: the first email needs a subject → add subject: "
                     '"…" (later emails may leave it out to reply in the thread)']
    only_tasks = problems("name: t\nsteps:\n  - task: call\n    note: x\n")
    assert only_tasks[0].startswith("s.yaml:3:3: steps: the sequence has no email step")


def test_check_and_a_task_note_with_an_unknown_field(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + "  - task: call\n    note: \"Anrufen: {{ phon }}\"\n", "utf-8")
    result = CliRunner().invoke(cli, ["sequence", "check", str(path)])
    assert result.exit_code != 0
    assert f"{path}:7:24: steps[1].note: unknown merge field `phon`" in result.output
    good = CliRunner().invoke(cli, ["sequence", "check", str(EXAMPLE)])
    assert good.exit_code == 0, good.output
    assert "step 2 after 2 business days: call task, due within 2 business days" in good.output
    assert "step 3 after 1 business day: reply in thread, only when task: no_answer" in good.output


@pytest.fixture
def prospect(outreach_home: Path, tmp_path: Path) -> str:
    leads = tmp_path / "leads.csv"
    leads.write_text("email;first_name;last_name;company;telefon\n"
                     "max@example.de;Max;Müller;Bäckerei Süß;+49 30 555\n", encoding="utf-8")
    imported = CliRunner().invoke(cli, ["prospects", "import", str(leads)])
    assert imported.exit_code == 0, imported.output
    return "max@example.de"


def test_preview_shows_the_task_notes_and_conditions(prospect: str) -> None:
    result = CliRunner().invoke(cli, ["sequence", "preview", str(EXAMPLE), "--prospect", prospect])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "step 2: call task" in out
    assert "Anrufen: Max Müller, Bäckerei Süß" in out and "Telefon: +49 30 555" in out
    assert "step 3 (only when task: no_answer)" in out
    assert "Subject: Re: Kurze Frage zu Bäckerei Süß" in out  # the email after the call
    assert "step 4: LinkedIn task" in out
    assert out.index("Telefon") < out.index("telefonisch") < out.index("Kontaktanfrage")


@pytest.mark.parametrize("when", ["no_reply", "auto_reply", {"intent": "not_now"},
                                  {"task": "reached"}, {"task": "no_answer"}])
def test_the_json_schema_takes_every_condition(when: object) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from outreach.sequences import sequence_json_schema

    good = {"name": "x", "steps": [{"subject": "s", "body": "b"},
                                   {"task": "call", "note": "n", "due_within": "2 business days",
                                    "on_reply": "continue"},
                                   {"body": "b", "when": when}]}  # fmt: skip
    jsonschema.validate(good, sequence_json_schema())


@pytest.mark.parametrize("bad", [
    {"body": "b", "when": "maybe"}, {"body": "b", "when": {"task": "answered"}},
    {"body": "b", "when": {"mood": "happy"}}, {"task": "phone", "note": "n"},
    {"task": "call", "note": "n", "on_reply": "ignore"},
])  # fmt: skip
def test_the_json_schema_refuses_bad_tasks_and_conditions(bad: dict[str, object]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from outreach.sequences import sequence_json_schema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "steps": [{"subject": "s", "body": "b"}, bad]},
                            sequence_json_schema())
