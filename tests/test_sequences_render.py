"""Rendering steps for prospects, A/B variant choice, and template preflight."""

from __future__ import annotations

from collections import Counter

import pytest

from outreach.sequences import (
    STANDARD_FIELDS,
    Sequence,
    TemplateRenderError,
    check_templates,
    choose_variant,
    load_sequence_text,
    missing_fields,
    render_step,
)

ANNA = {"email": "anna@acme.example", "first_name": "Anna", "last_name": "Schmidt",
        "company": "Acme", "timezone": "Europe/Berlin"}


def sequence(steps_yaml: str) -> Sequence:
    return load_sequence_text("name: t\nsteps:\n" + steps_yaml, "t.yaml")


def test_renders_fields_and_default_under_strict_undefined() -> None:
    seq = sequence('  - subject: "{{ company }} and cold email"\n'
                   '    body: |\n      Hi {{ first_name | default("there") }},\n      bye\n')
    message = render_step(seq, 0, ANNA, 0)
    assert message.subject == "Acme and cold email"
    assert message.body == "Hi Anna,\nbye\n"
    assert message.html is None
    fallback = render_step(seq, 0, {**ANNA, "first_name": "  "}, 0)
    assert fallback.body.startswith("Hi there,")
    assert render_step(seq, 0, {"email": "x@y.z", "company": "Co"}, 0).body.startswith("Hi there")


def test_is_defined_and_custom_columns() -> None:
    seq = sequence("  - subject: s\n    body: |\n      {% if anrede is defined %}\n"
                   "      Guten Tag {{ anrede }} {{ last_name }},\n      {% else %}\n"
                   "      Guten Tag,\n      {% endif %}\n      Text\n")
    assert render_step(seq, 0, {**ANNA, "anrede": "Frau"}, 0).body == \
        "Guten Tag Frau Schmidt,\nText\n"
    assert render_step(seq, 0, ANNA, 0).body == "Guten Tag,\nText\n"


def test_reply_step_has_no_subject() -> None:
    seq = sequence("  - subject: s\n    body: a\n  - wait: 2d\n    body: b\n")
    assert render_step(seq, 1, ANNA, 0).subject is None


def test_undefined_field_names_step_line_field_and_suggestion() -> None:
    seq = sequence("  - subject: s\n    body: |\n      Hallo,\n      wie geht es {{ Firma }}?\n")
    with pytest.raises(TemplateRenderError) as caught:
        render_step(seq, 0, {"email": "a@b.de", "firma": "Acme"}, 0)
    [problem] = caught.value.problems
    assert problem.startswith("steps[0].body (line 2): `Firma` is missing or blank")
    assert "did you mean `firma`?" in problem
    assert "a@b.de" in caught.value.message


def test_blank_field_is_missing() -> None:
    seq = sequence('  - subject: "About {{ company }}"\n    body: x\n')
    with pytest.raises(TemplateRenderError, match="`company` is missing or blank"):
        render_step(seq, 0, {**ANNA, "company": " "}, 0)


def test_runtime_template_error_names_line() -> None:
    seq = sequence("  - subject: s\n    body: |\n      ok\n      {{ first_name + 1 }}\n")
    with pytest.raises(TemplateRenderError) as caught:
        render_step(seq, 0, ANNA, 0)
    assert "steps[0].body (line 2): TypeError" in caught.value.problems[0]


def test_sandbox_blocks_unsafe_attribute_access() -> None:
    seq = sequence("  - subject: s\n    body: \"{{ first_name.__class__.__mro__ }}\"\n")
    with pytest.raises(TemplateRenderError, match="SecurityError"):
        render_step(seq, 0, ANNA, 0)


def test_html_alternative_is_escaped_and_shares_spintax_with_body() -> None:
    seq = sequence('  - subject: s\n    body: "{A|B|C|D} {{ company }}"\n'
                   '    html: "<p>{A|B|C|D} {{ company }}</p>"\n')
    for i in range(20):
        fields = {**ANNA, "email": f"p{i}@x.io", "company": "<b>&Co</b>"}
        message = render_step(seq, 0, fields, 0)
        assert message.html == f"<p>{message.body.strip().replace('<b>&Co</b>', '')}" \
            "&lt;b&gt;&amp;Co&lt;/b&gt;</p>"
        assert message.body.endswith("<b>&Co</b>\n")


def test_spintax_in_render_is_stable_per_prospect_step_and_variant() -> None:
    seq = sequence("  - subject: \"{Hi|Hello|Hey} {{ first_name }}\"\n    body: \"{a|b|c|d}\"\n")
    first = render_step(seq, 0, ANNA, 0)
    assert all(render_step(seq, 0, ANNA, 0) == first for _ in range(3))
    subjects = {render_step(seq, 0, {**ANNA, "email": f"u{i}@x.io"}, 0).subject
                for i in range(60)}
    assert subjects == {"Hi Anna", "Hello Anna", "Hey Anna"}


def test_spintax_in_field_values_is_not_spun() -> None:
    seq = sequence('  - subject: "{{ company }}"\n    body: "{{ company }}"\n')
    message = render_step(seq, 0, {**ANNA, "company": "{Evil|Corp}"}, 0)
    assert message.subject == "{Evil|Corp}" and message.body == "{Evil|Corp}\n"


def test_choose_variant_is_stable_and_spread() -> None:
    seq = sequence("  - variants:\n" + "".join(
        f"      - {{ subject: s{i}, body: b{i} }}\n" for i in range(3)))
    step = seq.steps[0]
    picks = [choose_variant(f"user{i}@example.com", "campaign-1", step) for i in range(3000)]
    assert picks == [choose_variant(f"User{i}@Example.com ", "campaign-1", step)
                     for i in range(3000)]
    counts = Counter(picks)
    assert set(counts) == {0, 1, 2} and all(900 < n < 1100 for n in counts.values())
    other = [choose_variant(f"user{i}@example.com", "campaign-2", step) for i in range(3000)]
    assert other != picks


def test_choose_variant_single_variant_is_zero() -> None:
    seq = sequence("  - subject: s\n    body: b\n")
    assert choose_variant("a@b.c", "k", seq.steps[0]) == 0


def test_check_templates_over_all_steps_and_variants() -> None:
    seq = sequence(
        '  - subject: "{{ Company }}"\n    body: "{{ first_name | default(\'x\') }}"\n'
        "  - wait: 1d\n    variants:\n      - body: \"{{ title }}\"\n"
        "      - body: \"{{ frist_name | default('there') }}\"\n")
    problems = [str(p) for p in check_templates(seq, STANDARD_FIELDS)]
    assert problems == [
        "steps[0].subject (line 1): unknown merge field `Company` → did you mean `company`?",
        "steps[1].variants[0].body (line 1): unknown merge field `title` → known fields: "
        "company, email, first_name, last_name, timezone; a custom field needs prospects "
        'imported with that column, else write {{ title | default("…") }}',
        "steps[1].variants[1].body (line 1): `frist_name` is not a field, so its default is "
        "always used → did you mean `first_name`?",
    ]
    assert check_templates(seq, [*STANDARD_FIELDS, "Company", "title", "frist_name"]) == []


def test_missing_fields_for_one_prospect() -> None:
    seq = sequence('  - subject: "{{ company }}"\n    body: "{{ first_name | default(\'x\') }}"\n'
                   "  - wait: 1d\n    variants:\n      - body: \"{{ title }}\"\n"
                   "      - body: b\n")
    assert missing_fields(seq, ANNA) == ["title"]
    assert missing_fields(seq, {"email": "a@b.c", "company": "", "title": None}) == [
        "company", "title"]
    assert missing_fields(seq, {**ANNA, "title": "CEO"}) == []


def test_subject_made_only_of_blank_after_folding_is_an_error() -> None:
    seq = sequence('  - subject: "{{ company }}"\n    body: x\n')
    with pytest.raises(TemplateRenderError, match="subject renders empty"):
        render_step(seq, 0, {**ANNA, "company": "\x00\r\n"}, 0)
