"""Every bad sequence file under tests/data/sequences/bad/ fails with a precise message.

Each row: the fixture, the merge fields to check against (None = no field check), and
fragments the error must contain — the ``file:line:column``, the field path, the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.errors import ValidationFailed
from outreach.sequences import STANDARD_FIELDS, load_sequence

BAD = Path(__file__).parent / "data" / "sequences" / "bad"
FIELDS = (*STANDARD_FIELDS, "firma")

CASES: list[tuple[str, tuple[str, ...] | None, list[str]]] = [
    ("yaml_unquoted_jinja.yaml", None,
     ["yaml_unquoted_jinja.yaml:3:28:", "YAML syntax error", "put the whole value in quotes",
      "  - subject: {{ company }} and cold email\n" + " " * 31 + "^"]),
    ("yaml_tab_indent.yaml", None, ["yaml_tab_indent.yaml:4:1:", "not tabs"]),
    ("yaml_duplicate_key.yaml", None,
     ["yaml_duplicate_key.yaml:5:5:", 'duplicate key "body"', "may appear only once"]),
    ("yaml_custom_tag.yaml", None, ["yaml_custom_tag.yaml:1:7: name:", "tags", "not allowed"]),
    ("empty.yaml", None, ["empty.yaml:1:1:", "the file is empty", "sequence new --example en"]),
    ("not_a_mapping.yaml", None, ["not_a_mapping.yaml:1:1:", "not a mapping"]),
    ("missing_steps.yaml", None, ["missing required key `steps`", "add `steps: …`"]),
    ("unknown_key_top.yaml", None,
     ["unknown_key_top.yaml:2:1: stpes: unknown key `stpes`", "did you mean `steps`?"]),
    ("unknown_key_step.yaml", None,
     ["unknown_key_step.yaml:6:5: steps[1].bdy: unknown key `bdy`", "did you mean `body`?"]),
    ("unknown_key_schedule.yaml", None,
     ["unknown_key_schedule.yaml:3:3: schedule.timezon:", "did you mean `timezone`?"]),
    ("bad_duration.yaml", None,
     ["bad_duration.yaml:5:11: steps[1].wait:", "'3 bizdays' is not a duration",
      "`business days`", '45s, 10m, 4h, 2d, 1w, "2 days"']),
    ("wait_without_unit.yaml", None,
     ["wait_without_unit.yaml:5:11: steps[1].wait:", "has no unit", "e.g. 3d"]),
    ("bad_timezone.yaml", None,
     ["bad_timezone.yaml:3:13: schedule.timezone:", "'Europe/Berln' is not an IANA timezone",
      "did you mean `Europe/Berlin`?"]),
    ("bad_hours.yaml", None,
     ["bad_hours.yaml:3:10: schedule.hours:", "'9' is not a time", "HH:MM-HH:MM"]),
    ("lunch_outside_hours.yaml", None,
     ["lunch_outside_hours.yaml:4:10: schedule.lunch:", "not inside hours 09:00-12:00"]),
    ("bad_day.yaml", None,
     ["bad_day.yaml:3:20: schedule.days[2]:", "'frii' is not a weekday", "`fri`"]),
    ("bad_gap.yaml", None, ["bad_gap.yaml:3:8: pace.gap:", 'write "90s-6m"']),
    ("daily_cap_text.yaml", None,
     ["daily_cap_text.yaml:3:14: pace.daily_cap:", "(got 'lots')", "whole number"]),
    ("bad_auto_reply.yaml", None,
     ["bad_auto_reply.yaml:3:18: stop.on_auto_reply:", "write false, true or pause"]),
    ("body_and_variants.yaml", None,
     ["body_and_variants.yaml:5:5: steps[1]:", "either body or variants, not both"]),
    ("new_thread_without_subject.yaml", None,
     ["new_thread_without_subject.yaml:5:5: steps[1]:", "new_thread: true needs a fresh subject"]),
    ("followup_subject_without_new_thread.yaml", None,
     ["followup_subject_without_new_thread.yaml:6:14: steps[1].subject:",
      "add new_thread: true"]),
    ("first_step_without_subject.yaml", None,
     ["first_step_without_subject.yaml:3:5: steps[0]:", "the first email needs a subject"]),
    ("first_step_waits.yaml", None,
     ["first_step_waits.yaml:3:11: steps[0].wait:", "the first email cannot wait"]),
    ("multiline_subject.yaml", None,
     ["multiline_subject.yaml:3:14: steps[0].subject:", "must be one line"]),
    ("broken_spintax.yaml", None,
     ["broken_spintax.yaml:7:35: steps[0].body:", "spintax group '{' is never closed"]),
    ("spintax_stray_brace.yaml", None,
     ["spintax_stray_brace.yaml:3:39: steps[0].subject:", "unbalanced '}'"]),
    ("spintax_single_option.yaml", None,
     ["spintax_single_option.yaml:6:14: steps[0].body:", "at least two options",
      "{{ '{' }}"]),
    ("jinja_syntax_error.yaml", None,
     ["jinja_syntax_error.yaml:7:", "steps[0].body: template syntax error", "endif"]),
    ("jinja_block_across_spintax.yaml", None,
     ["jinja_block_across_spintax.yaml:5:", "in one spintax choice",
      "inside a single spintax option"]),
    ("html_syntax_error.yaml", None,
     ["html_syntax_error.yaml:5:11: steps[0].html: template syntax error"]),
    ("undefined_field_case.yaml", FIELDS,
     ["undefined_field_case.yaml:3:", "steps[0].subject: unknown merge field `Firma`",
      "did you mean `firma`?"]),
    ("undefined_field_typo.yaml", FIELDS,
     ["undefined_field_typo.yaml:5:", "steps[0].body: unknown merge field `frist_name`",
      "did you mean `first_name`?"]),
    ("undefined_field_in_variant.yaml", FIELDS,
     ["undefined_field_in_variant.yaml:9:", "steps[0].variants[1].body",
      "`company_size`", "did you mean `company`?"]),
]


def _error_for(name: str, fields: tuple[str, ...] | None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        load_sequence(BAD / name, fields=fields)
    return caught.value


@pytest.mark.parametrize(("name", "fields", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_names_place_and_fix(name: str, fields: tuple[str, ...] | None,
                                      fragments: list[str]) -> None:
    text = str(_error_for(name, fields))
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def test_every_bad_fixture_is_in_the_table() -> None:
    on_disk = {path.name for path in BAD.glob("*.yaml")}
    assert on_disk == {case[0] for case in CASES}
    assert len(on_disk) >= 15


def test_one_problem_line_per_finding() -> None:
    error = _error_for("unknown_key_top.yaml", None)
    assert len(error.problems) == 2
    assert error.problems[0].startswith(str(BAD / "unknown_key_top.yaml") + ":1:1:")
    assert "missing required key `steps`" in error.problems[0]
    assert "did you mean `steps`?" in error.problems[1]


def test_undefined_fields_pass_without_a_field_list() -> None:
    sequence = load_sequence(BAD / "undefined_field_typo.yaml")
    assert sequence.steps[0].variants[0].body.startswith("Hi {{ frist_name }}")
