"""Reply intent: the date table, referral addresses, the shipped model, training, the bench."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from outreach.mailbox.classify.intent import IntentResult, classify_intent, names_person
from outreach.mailbox.classify.intent_dates import resume_date
from outreach.mailbox.classify.intent_features import features, normalized, without_frame
from outreach.mailbox.classify.intent_model import model_from_bytes, shipped_model
from outreach.mailbox.classify.intent_referral import referral_addresses
from outreach.mailbox.classify.rules import default_rules
from outreach.mailbox.classify.unsubscribe import unsubscribe_phrase
from outreach.states import ReplyIntent

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "intent"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


D = dt.date
DATES = [
    # (text, reply date, expected)
    ("Melden Sie sich bitte im März wieder.", D(2026, 11, 20), D(2027, 3, 1)),
    ("Melden Sie sich bitte im März wieder.", D(2026, 2, 3), D(2026, 3, 1)),
    ("Gerne wieder im Jänner.", D(2026, 10, 5), D(2027, 1, 1)),
    ("Reach out again in January 2028.", D(2026, 10, 5), D(2028, 1, 1)),
    ("Bitte nach Q2 nochmal melden.", D(2026, 5, 7), D(2026, 7, 1)),
    ("Bitte nach Q2 nochmal melden.", D(2026, 8, 7), D(2027, 7, 1)),
    ("Try me in Q1 2027.", D(2026, 8, 7), D(2027, 1, 1)),
    ("Im zweiten Quartal gerne.", D(2026, 11, 2), D(2027, 4, 1)),
    ("maybe next quarter", D(2025, 2, 10), D(2025, 4, 1)),
    ("Circle back at the end of the quarter.", D(2025, 8, 1), D(2025, 9, 30)),
    ("KW 12 passt besser.", D(2026, 2, 20), D(2026, 3, 16)),
    ("Please write again in week 12.", D(2026, 11, 20), D(2027, 3, 22)),
    ("In KW 1 bitte nochmal.", D(2026, 12, 10), D(2027, 1, 4)),  # ISO week 1 starts in January
    ("KW 53", D(2026, 12, 1), D(2026, 12, 28)),  # 2026 has 53 ISO weeks
    ("in drei Monaten gerne wieder", D(2026, 11, 30), D(2027, 2, 28)),  # clamped to February
    ("let's talk in three months", D(2025, 4, 15), D(2025, 7, 15)),
    ("give me two weeks and ask again", D(2026, 1, 28), D(2026, 2, 11)),
    ("Ab dem 12.01. bin ich wieder erreichbar.", D(2026, 12, 18), D(2027, 1, 12)),
    ("Ab dem 12.01.2028 bitte.", D(2026, 12, 18), D(2028, 1, 12)),
    ("Please follow up after the 10th of March.", D(2027, 2, 20), D(2027, 3, 11)),
    ("I'm traveling until the 14th. Email me again then.", D(2026, 8, 30), D(2026, 9, 14)),
    ("Anfang nächsten Jahres gerne.", D(2026, 6, 1), D(2027, 1, 1)),
    ("Mitte nächsten Jahres vielleicht.", D(2026, 6, 1), D(2027, 7, 1)),
    ("Bis Ende März sind wir ausgebucht, danach gern.", D(2026, 1, 10), D(2026, 4, 1)),
    ("Please write again end of May, ok?", D(2026, 3, 3), D(2026, 5, 31)),
    ("Bitte nach den Feiertagen noch mal melden.", D(2025, 12, 15), D(2026, 1, 7)),
    ("Let's pick this up after the holidays.", D(2025, 12, 2), D(2026, 1, 7)),
    ("Melden Sie sich nach den Sommerferien.", D(2025, 5, 20), D(2025, 9, 1)),
    ("After the summer I'm happy to talk.", D(2025, 7, 20), D(2025, 9, 1)),
    ("Nach Ostern gerne.", D(2026, 2, 1), D(2026, 4, 7)),  # Easter Monday 6 April 2026
    ("Slammed until after Labor Day, can we pick this up then?", D(2025, 8, 20), D(2025, 9, 2)),
    ("Im Frühjahr wieder.", D(2026, 10, 1), D(2027, 3, 1)),
    ("nächste Woche gerne", D(2026, 11, 20), D(2026, 11, 23)),
    ("next month works", D(2026, 12, 20), D(2027, 1, 1)),
    ("End of next month would work.", D(2026, 6, 10), D(2026, 7, 31)),
    ("Am besten in der ersten Novemberwoche.", D(2025, 9, 30), D(2025, 11, 3)),
    ("Not until after the new year. Reach out then.", D(2026, 11, 10), D(2027, 1, 1)),
    ("Vor August entscheidet hier niemand, kommen Sie dann wieder.", D(2025, 5, 2), D(2025, 8, 1)),
]


@pytest.mark.parametrize(("text", "sent", "expected"), DATES, ids=[d[0][:40] for d in DATES])
def test_resume_date_table(text: str, sent: dt.date, expected: dt.date) -> None:
    found = resume_date(text, sent)
    assert found is not None, text
    assert found.date == expected


@pytest.mark.parametrize(
    "text",
    [
        "You may want to talk to our CFO.",
        "We could talk about a spring offsite.",
        "2027 wird ein gutes Jahr für uns.",
        "Version 3.2.1 läuft bei uns.",
        "Der Termin um 10.30 Uhr passt.",
        "",
    ],
)
def test_no_date_where_none_is_meant(text: str) -> None:
    assert resume_date(text, D(2026, 5, 5)) is None


def test_the_latest_date_in_a_come_back_sentence_wins() -> None:
    text = "Wir sind bis 15.12. im Projekt. Bitte im Februar nochmal melden."
    found = resume_date(text, D(2026, 11, 20))
    assert found is not None and found.date == D(2027, 2, 1) and found.rule == "month"


REFERRALS = [
    ("Bitte wenden Sie sich an anna.schmidt@firma-beispiel.de.", "max@firma-beispiel.de", ("anna.schmidt@firma-beispiel.de",)),
    ("Talk to Kevin: KPatel@Example.com or kevin@example.org", None, ("kpatel@example.com", "kevin@example.org")),
    ("Schreiben Sie an einkauf [at] firma-beispiel [dot] de", None, ("einkauf@firma-beispiel.de",)),
    ("Das mache ich nicht mehr, mein Nachfolger ist erreichbar unter jan@x-beispiel.de", "me@x-beispiel.de", ("jan@x-beispiel.de",)),
    # the sender's own address and ours are never a referral
    ("Reply to me at max@firma.de please", "Max@Firma.de", ()),
    ("You wrote to sales@ours.example already", None, ()),
    # the signature under a closing is the sender's, not a referral
    ("Not my area, sorry.\n\nBest regards\nMax Muster\ninfo@firma-beispiel.de\n+49 30 1234567", None, ()),
    ("Kein Interesse.\n\nMax Muster\nmax@firma.de\nTel. +49 30 1234567", "max@firma.de", ()),
    ("not an address: foo@bar", None, ()),
]


@pytest.mark.parametrize(("text", "sender", "expected"), REFERRALS)
def test_referral_addresses(text: str, sender: str | None, expected: tuple[str, ...]) -> None:
    assert referral_addresses(text, sender=sender, own_addresses=["sales@ours.example"]) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Klingt gut, rufen Sie mich Donnerstag an. Viele Grüße", ReplyIntent.INTERESTED),
        ("Sounds great, let's set up a call next Tuesday.", ReplyIntent.INTERESTED),
        ("Was kostet das pro Nutzer und Monat?", ReplyIntent.QUESTION),
        ("Kein Interesse, danke. Wir haben bereits eine Lösung.", ReplyIntent.NOT_INTERESTED),
        ("We're not interested, thanks. We already use a competitor.", ReplyIntent.NOT_INTERESTED),
        ("Frau Berger ist nicht mehr bei uns.", ReplyIntent.WRONG_PERSON),
    ],
)
def test_clear_cases(text: str, intent: ReplyIntent) -> None:
    result = classify_intent(text, sent_at=dt.datetime(2026, 3, 2, 9, 0))
    assert result.intent is intent, result
    assert not result.needs_review and result.why


def test_not_now_carries_its_date_and_says_why() -> None:
    result = classify_intent(
        "Aktuell keine Zeit. Melden Sie sich bitte im März wieder.",
        sent_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
    )
    assert (result.intent, result.until) == (ReplyIntent.NOT_NOW, D(2027, 3, 1))
    assert any("märz" in why for why in result.why)


def test_referral_carries_the_address_and_never_the_sender() -> None:
    result = classify_intent(
        "Dafür bin ich nicht zuständig. Bitte wenden Sie sich an meinen Kollegen "
        "Jan Krüger, jan.krueger@holz-beispiel.de.\n\nGruß\nAnna\nanna@holz-beispiel.de",
        sent_at=dt.datetime(2026, 3, 2, 9, 0),
        sender="anna@holz-beispiel.de",
    )
    assert result.intent is ReplyIntent.REFERRAL
    assert result.referral == ("jan.krueger@holz-beispiel.de",)
    assert result.until is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Hallo Herr Weber,\n\nich bin Techniker. Sprechen Sie mit Frau Neuhaus.", True),
        ("Please reach out to our GC, Natalie Brooks.", True),
        ("Ramon Diaz handles our fleet.", True),
        ("Hallo Herr Weber,\n\nkein Interesse.", False),  # the greeting names us
        ("Talk to you soon. Thanks", False),
    ],
)
def test_names_person(text: str, named: bool) -> None:
    assert names_person(text) is named


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Hallo Herr Weber,\n\nkein Bedarf, danke.\n\nViele Grüße\nAnna Berger\nHolzbau Berger GmbH",
            "\nkein Bedarf, danke.\n",
        ),
        ("Hi Tom,\nsure, Tuesday works.\nBest,\nLuis", "sure, Tuesday works."),
        ("Danke!", "Danke!"),  # nothing else would be left: the text stays
        ("Thanks\nbut no thanks.", "Thanks\nbut no thanks."),  # a first line is never a sign-off
        ("Guten Tag,\n\nwas kostet das?\nMfG\nR. Voss", "\nwas kostet das?"),
    ],
)
def test_the_greeting_line_and_the_sign_off_are_cut(text: str, kept: str) -> None:
    assert without_frame(text) == kept


def test_times_weekdays_and_months_get_a_shared_token() -> None:
    text = normalized("Donnerstag um 14 Uhr, or Friday 9:30am; im März, in March. May I ask?")
    assert text.count("clocktime") == 2 and text.count("weekdayname") == 2
    assert text.count("monthname") == 2  # "May I" is no month
    found = features("Am Donnerstag um 14 Uhr?", ("question_mark",))
    assert "w:weekdayname" in found and "w:clocktime" in found and "r:question_mark" in found
    assert not any(name.startswith("w:hallo") for name in features("Hallo Anna,\nja gerne."))


def test_no_new_text_is_other_for_review() -> None:
    result = classify_intent("  \n", sent_at=None)
    assert result == IntentResult(ReplyIntent.OTHER, None, (), 0.0, True, ("no new text",))


def test_below_the_threshold_the_answer_is_other_for_review() -> None:
    model = shipped_model()
    strict = type(model)(model.classes, model.bias, model.weights, model.scale, model.temperature, 1.01)
    result = classify_intent("Danke für die Info.", sent_at=None, model=strict)
    assert (result.intent, result.needs_review) == (ReplyIntent.OTHER, True)
    assert any(why.startswith("unsure:") for why in result.why)


def test_confidence_is_a_probability() -> None:
    scored = shipped_model().score({"w:kein": 0.5, "w:interesse": 0.5})
    assert abs(sum(p for _, p in scored.ranked) - 1.0) < 1e-9
    assert [p for _, p in scored.ranked] == sorted((p for _, p in scored.ranked), reverse=True)


@pytest.mark.parametrize(
    ("text", "opt_out"),
    [
        ("Please don't email me again until March - we're busy.", False),
        ("Bitte bis Ende Q2 nicht mehr anschreiben.", False),
        ('I was about to reply "unsubscribe", but send me the pricing instead.', False),
        ('Wenn ich "abmelden" schreibe, bekomme ich dann gar nichts mehr?', False),
        ("Please don't email me again.", True),
        ('Bitte "abmelden", danke und viele Grüße, Max Mustermann', True),
        ('"unsubscribe"', True),
        ("Remove me from your list before I report you.", True),
    ],
)
def test_opt_out_bounded_by_time_or_only_mentioned(text: str, opt_out: bool) -> None:
    assert bool(unsubscribe_phrase(text, default_rules())) is opt_out


@pytest.mark.parametrize(
    ("text", "opt_out"),
    [
        ("STOP", True),
        ("Hören Sie bitte auf, uns ständig Mails zu schicken.", True),
        ("Ich widerspreche der Verarbeitung meiner Daten zu Werbezwecken.", True),
        ("Please erase my personal data.", True),
        ("Dont email me anymore.", True),
        ("Bitte streichen Sie mich aus dem Verteiler.", True),
        ("Keine weiteren Kontaktaufnahmen, danke.", True),
        ("Stop the presses, this is great. Call me.", False),
        ("Woher haben Sie meine Daten? (Art. 15 DSGVO)", False),
        ("Before I hit unsubscribe: what does it cost?", False),
    ],
)
def test_opt_out_phrases_of_the_corpus_definition(text: str, opt_out: bool) -> None:
    assert bool(unsubscribe_phrase(text, default_rules())) is opt_out


@pytest.mark.parametrize(
    ("text", "opt_out"),
    [
        ("Bitte nicht mehr an meine Adresse schreiben, sondern an einkauf@holz-beispiel.de.", False),
        ("Stop sending this to my personal address and use docs@acme-example.com instead.", False),
        ("Please remove me from your list. Talk to anna@acme-example.com instead.", True),
        ("Stop emailing me, use your brain instead.", True),  # no other address: no redirect
        ("Stop emailing me. Use me@acme-example.com instead? No.", True),  # the sender's own
    ],
)
def test_a_redirect_is_no_opt_out_but_a_removal_stays_one(text: str, opt_out: bool) -> None:
    found = unsubscribe_phrase(text, default_rules(), sender="me@acme-example.com")
    assert bool(found) is opt_out


def _tiny_rows() -> list[dict[str, object]]:
    texts = {
        "interested": ["Gerne, rufen Sie mich an.", "Yes, let's talk Tuesday.", "Klingt gut, Termin bitte."],
        "question": ["Was kostet das?", "How much is it per user?", "Gibt es eine Testversion?"],
        "not_now": ["Bitte im März wieder.", "Try again next quarter.", "In drei Monaten gerne."],
        "referral": ["Bitte an anna@x-beispiel.de.", "Talk to bob@y-example.com.", "Zuständig ist jan@z-beispiel.de."],
        "wrong_person": ["Ich bin nicht zuständig.", "She left the company.", "Falsche Ansprechpartnerin."],
        "not_interested": ["Kein Interesse.", "Not interested, thanks.", "Brauchen wir nicht."],
        "other": ["Danke.", "Ok.", "Wer sind Sie?"],
    }
    return [
        {"id": f"t-{intent}-{i}", "intent": intent, "split": "train", "text": text,
         "new_text": text, "from": "P <p@example.com>"}
        for intent, group in texts.items() for i, text in enumerate(group)
    ]


def test_training_is_deterministic_and_the_model_loads() -> None:
    pytest.importorskip("sklearn", reason="training needs the [train] extra (scikit-learn)")
    train = _load(ROOT / "scripts" / "train_intent.py", "train_intent_script")
    rows = _tiny_rows()
    first = train.train_model_bytes(rows)
    assert first == train.train_model_bytes(rows)
    assert first == train.train_model_bytes(list(reversed(rows)))  # input order does not matter
    model = model_from_bytes(first)
    assert model.classes == tuple(intent.value for intent in ReplyIntent)
    result = classify_intent("Kein Interesse.", sent_at=None, model=model)
    assert result.confidence > 0


needs_corpus = pytest.mark.skipif(
    not any(CORPUS.glob("*.jsonl")),
    reason=f"the labelled intent corpus is not at {CORPUS} (corpora/intent/*.jsonl)",
)


@needs_corpus
def test_bench_targets_on_the_test_split() -> None:
    bench = _load(ROOT / "bench" / "classify_intent.py", "classify_intent_bench")
    report = bench.evaluate(CORPUS, "test")
    assert report.intent_outcomes, "no split=test rows in the corpus"
    exact, dated = report.dates()
    hit, gold, _ = report.referrals()
    assert report.positive_as_unsubscribe() == []
    assert report.macro_f1() >= bench.TARGETS["macro_f1"]
    assert dated == 0 or exact / dated >= bench.TARGETS["dates_exact"]
    assert gold == 0 or hit / gold >= bench.TARGETS["referral_recall"]
