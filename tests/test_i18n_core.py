"""The core area speaks the rep's language (issue 21): sequence check errors (with their
file:line:field unchanged), ``campaign plan``, the demo's narration, doctor and lint
findings, and the words views give stored values — German with ``--lang de``, English
with ``--lang en``, JSON the same in both.

"Fully German" means: no English text of our catalog (a fragment of three words or more
between placeholders, whose German translation differs) appears in the German output.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from outreach import i18n, wording
from outreach.cli import cli
from outreach.deliverability.dkim_check import SentMessage
from outreach.deliverability.dkim_finding import signature_finding
from outreach.deliverability.dmarc import parse_dmarc
from outreach.deliverability.domain_checks import _dmarc_verdict
from outreach.deliverability.findings import check_title
from outreach.deliverability.lint import lint_file
from outreach.deliverability.sender import daily_cap_finding, freemail_finding, noreply_finding
from outreach.deliverability.tls_check import PeerTls, certificate_finding
from outreach.demo import narrate
from outreach.lifecycle.campaigns import bounce_pause_reason
from outreach.mailbox.refusals import SMTP_CODES, Refusal
from outreach.views.numbers import of, percent
from outreach.views.reports import group_title
from tests.test_deliverability_doctor import doctor, env  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "outreach" / "locale" / "de" / "LC_MESSAGES" / "outreach.po"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@cache
def english_fragments() -> frozenset[str]:
    """Every run of three or more words of an English msgid that its German lacks."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    found: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        german = " ".join(strings)
        for text in ids:
            for fragment in _PLACEHOLDER.split(text):
                fragment = fragment.strip(" .,:;()“”\"'→—-")
                if len(re.findall(r"[A-Za-z]{2,}", fragment)) >= 3 and fragment not in german:
                    found.add(fragment)
    return frozenset(found)


def english_left(output: str) -> list[str]:
    """The English catalog fragments found in ``output`` (empty: fully German)."""
    flat = " ".join(output.split())
    return sorted(f for f in english_fragments() if " ".join(f.split()) in flat)


def test_the_fully_german_check_can_fail() -> None:
    assert english_fragments(), "the catalog has English fragments to look for"
    assert english_left("x: is not an IANA timezone → use an IANA name such as Europe/Berlin")
    assert english_left("/q.yaml:3:5: steps[0].subject: ist keine Dauer") == []


# -- outreach sequence check -----------------------------------------------------------

SCHEMA_ERRORS = """\
name: Kaputt
schedule:
  timezone: Europe/Berln
  days: [mon, wdn]
pace:
  daily_cap: viele
  gapp: 2m
steps:
  - subject: Hallo
    body: Hi
  - wait: 3 bizdays
    body: Nochmal
  - wait: 2d
    subject: Neu
    body: x
"""
TEMPLATE_ERRORS = """\
name: Vorlagen
steps:
  - subject: "Frage an {{ compnay }}"
    body: |
      {Hallo|Guten Tag
      wie geht es?
"""
YAML_ERROR = """\
name: Kaputt
steps:
  - subject: Re: Ihre Nachricht
    body: x
"""
WHERE = re.compile(r"^\s*(\S+\.yaml:\d+:\d+: [\w.\[\]]*:?)", re.M)


def outreach(language: str, *args: str) -> str:
    """The stdout of the installed command in a shell whose locale is ``language``."""
    shell = {**os.environ, "OUTREACH_LANG": language, "LANG": f"{language}_DE.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "outreach", *args], capture_output=True,
                          text=True, timeout=60, check=False, stdin=subprocess.DEVNULL, env=shell)
    assert done.stdout, done.stderr
    return done.stdout


def check(path: Path, language: str) -> str:
    result = CliRunner().invoke(cli, ["--lang", language, "sequence", "check", str(path)])
    assert result.exit_code == 2, result.output
    return result.output


@pytest.mark.parametrize(
    ("text", "english", "german"),
    [
        (SCHEMA_ERRORS,
         ["is not an IANA timezone", "is not a weekday", "not a whole number (got 'viele')",
          "unknown key `gapp`", "unknown unit 'bizdays'", "is not a valid sequence: 5 problems"],
         ["ist keine IANA-Zeitzone", "ist kein Wochentag", "keine ganze Zahl (gefunden: 'viele')",
          "unbekannter Schlüssel `gapp` → meinten Sie `gap`?", "unbekannte Einheit 'bizdays'",
          "ist keine gültige Sequenz: 5 Probleme"]),
        (TEMPLATE_ERRORS,
         ["unknown merge field `compnay`", "spintax group '{' is never closed"],
         ["unbekannter Platzhalter `compnay` → meinten Sie `company`?",
          "Spintax-Gruppe '{' wird nie geschlossen"]),
        (YAML_ERROR,
         ["YAML syntax error: mapping values are not allowed here",
          'text containing ": " must be quoted'],
         ["YAML-Syntaxfehler: ein Doppelpunkt in einem Wert",
          'Text mit ": " muss in Anführungszeichen stehen']),
    ],
    ids=["schema", "templates", "yaml"],
)
def test_sequence_check_in_both_languages(
    outreach_home: Path, tmp_path: Path, text: str, english: list[str], german: list[str]
) -> None:
    """Same file:line:column: field in both languages; the words in the rep's language."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    en, de = check(path, "en"), check(path, "de")
    assert WHERE.findall(en) == WHERE.findall(de) and WHERE.findall(de), (en, de)
    for words in english:
        assert words in " ".join(en.split()), (words, en)
    for words in german:
        assert words in " ".join(de.split()), (words, de)
    assert english_left(de) == [], de
    assert outreach("de", "sequence", "check", str(path), "--json") == outreach(
        "en", "sequence", "check", str(path), "--json")


def test_schema_errors_name_each_field_at_its_line(outreach_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCHEMA_ERRORS, encoding="utf-8")
    assert [w.split(": ", 1)[0].rsplit(":", 2)[1:] + [w.split(": ", 1)[1]]
            for w in WHERE.findall(check(path, "de"))] == [
        ["3", "13", "schedule.timezone:"], ["4", "15", "schedule.days[1]:"],
        ["6", "14", "pace.daily_cap:"], ["7", "3", "pace.gapp:"], ["11", "11", "steps[1].wait:"],
    ]


# -- outreach campaign plan ------------------------------------------------------------

PLAN_SEQUENCE = """\
name: Q1
schedule:
  timezone: Europe/Berlin
  days: [mon, tue, wed, thu, fri]
  hours: "09:00-17:00"
pace:
  daily_cap: 2
steps:
  - subject: "Frage an {{ company }}"
    body: |
      Hallo {{ first_name }},

      PS: Kein Interesse? Antworten Sie kurz mit „abmelden“.
  - wait: 3 business days
    body: Nochmal kurz nachgefragt.
"""
CSV = "email,first_name,company\nanna@acme.test,Anna,Acme\nbob@beta.test,Bob,Beta\n"
GERMAN_DAY = re.compile(r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.?,")


def test_campaign_plan_in_german(outreach_home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(PLAN_SEQUENCE, encoding="utf-8")
    assert runner.invoke(cli, ["prospects", "import", str(tmp_path / "p.csv"),
                               "--tag", "q1"]).exit_code == 0
    added = runner.invoke(cli, ["mailbox", "add", "rep@sales.test", "--smtp-host", "127.0.0.1",
                                "--smtp-security", "none", "--imap-host", "127.0.0.1",
                                "--imap-security", "none", "--password-command", "echo x"])
    assert added.exit_code == 0, added.output
    created = runner.invoke(cli, ["campaign", "create", "q1", "--sequence",
                                  str(tmp_path / "s.yaml"), "--mailbox", "rep@sales.test",
                                  "--tag", "q1"])
    assert created.exit_code == 0, created.output

    german = runner.invoke(cli, ["--lang", "de", "campaign", "plan", "q1", "--days", "30"])
    assert german.exit_code == 0, german.output
    assert len(GERMAN_DAY.findall(german.output)) == 4, german.output  # 2 prospects × 2 steps
    assert not re.search(r"\b(Mon|Tue|Wed|Thu|Fri)\b", german.output), german.output
    assert english_left(german.output) == [], german.output
    english = runner.invoke(cli, ["--lang", "en", "campaign", "plan", "q1", "--days", "30"])
    assert len(re.findall(r"\b(?:Mon|Tue|Wed|Thu|Fri), (?:Dec|Jan) \d{1,2},", english.output)) == 4

    as_json = [outreach(lang, "campaign", "plan", "q1", "--days", "30", "--json")
               for lang in ("de", "en")]
    assert as_json[0] == as_json[1] and len(json.loads(as_json[0])) == 4

    nothing = runner.invoke(cli, ["--lang", "de", "campaign", "start", "nope"])
    assert "keine Kampagne 'nope'" in nothing.output, nothing.output


# -- outreach demo -----------------------------------------------------------------------

BEFORE = {"ben@k.example": ("active", None), "chris@k.example": ("active", None),
          "dana@l.example": ("active", None)}


def test_demo_narration_in_german() -> None:
    after = {**BEFORE, "ben@k.example": ("replied", "reply"),
             "chris@k.example": ("stopped", "company_reply")}
    info: dict[str, object] = {"from": "ben@k.example", "subject": "AW: Hallo", "held": None}
    with i18n.language("de"):
        told = narrate("reply", info, BEFORE, after)
        bounced = {**BEFORE, "dana@l.example": ("bounced", "hard bounce 5.1.1 user_unknown")}
        daemon: dict[str, object] = {"from": "mailer-daemon@x.example", "subject": "Fehler"}
        bounce = narrate("bounce", daemon, BEFORE, bounced)
        held = narrate("unsubscribe", {"from": "dana@l.example", "subject": "stop", "held": True},
                       BEFORE, BEFORE)
    assert told == [
        "Antwort von ben@k.example auf „AW: Hallo“",
        "  → ben@k.example hat geantwortet: keine Follow-ups mehr",
        "  → chris@k.example gestoppt (ein Kollege aus derselben Firma hat geantwortet)",
    ]
    assert bounce[1:] == ["  → dana@l.example unzustellbar: Adresse auf der Sperrliste "
                          "(dauerhaft unzustellbar, 5.1.1 Empfänger unbekannt)"]
    assert held == ["Abmeldung von dana@l.example („stop“)", "  → zur Prüfung zurückgehalten"]


def test_the_german_demo_sequence_is_valid_and_lints_clean(outreach_home: Path) -> None:
    path = ROOT / "outreach" / "data" / "demo_sequence_de.yaml"
    assert CliRunner().invoke(cli, ["sequence", "check", str(path)]).exit_code == 0
    assert [str(f) for f in lint_file(path)] == []


@pytest.mark.slow
def test_demo_runs_in_german() -> None:
    """The whole demo with ``--lang de``: German mail, German narration, every outcome."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    result = subprocess.run(
        [sys.executable, "-m", "outreach", "--lang", "de", "demo", "--timeout", "120"], env=clean,
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    told = " ".join(result.stdout.split())
    assert "Antwort von ben@kiefer.example auf „Re: Kiefer und Follow-ups“" in told, told
    assert ("→ chris@kiefer.example gestoppt (ein Kollege aus derselben Firma hat geantwortet)"
            in told), told
    assert "Abwesenheitsnotiz von dana@lumen.example" in told
    assert "→ dana@lumen.example pausiert bis zur Rückkehr" in told
    assert "Abmeldung von emil@quarz.example" in told
    assert "→ emil@quarz.example abgemeldet" in told
    assert "→ nobody@ostwind.example unzustellbar" in told
    assert english_left(result.stdout) == [], result.stdout


# -- doctor and lint ---------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _peer(days_left: int) -> PeerTls:
    until = NOW + timedelta(days=days_left, hours=1)
    return PeerTls("TLSv1.3", {"notAfter": until.strftime("%b %d %H:%M:%S %Y GMT"),
                               "subject": ((("commonName", "mail.firma.de"),),)})


def doctor_findings() -> list[str]:
    """Findings of the checks that need no server, as doctor prints them."""
    found = [
        noreply_finding("no-reply@firma.de"), freemail_finding("gmail.com"),
        daily_cap_finding(600, "smtp.gmail.com", "gmail.com"),
        certificate_finding("SMTP TLS certificate", _peer(3), False, NOW),
        certificate_finding("IMAP TLS certificate", None, False, NOW),
        _dmarc_verdict(parse_dmarc("firma.de", "v=DMARC1; p=none")),
        signature_finding(SentMessage("Sent", "Frage", b"x"), [], "lena@firma.de"),
    ]
    return [f"{f.mark} {check_title(f.check)}: {f.detail} → {f.fix}" for f in found]


def test_doctor_findings_in_both_languages() -> None:
    with i18n.language("en"):
        english = doctor_findings()
    with i18n.language("de"):
        german = doctor_findings()
    assert "⚠ From address: no-reply@firma.de looks like a no-reply address" in english[0]
    assert german[0].startswith("⚠ Absenderadresse: no-reply@firma.de sieht nach einer "
                                "No-Reply-Adresse aus → senden Sie von der Adresse einer Person")
    assert "Tageslimit: 600 am Tag liegt über dem dokumentierten Limit von Gmail: 500" in german[2]
    assert "SMTP TLS-Zertifikat: TLSv1.3, CN=mail.firma.de gültig bis 2026-12-10" in german[3]
    assert "(noch 3 Tage)" in german[3]
    assert "p=none unter _dmarc.firma.de (nur Beobachtung)" in german[5]
    assert "hat keine DKIM-Signatur → schalten Sie die DKIM-Signatur" in german[6]
    assert english_left("\n".join(german)) == [], german
    assert english != german


def test_server_refusals_in_german() -> None:
    refusal = Refusal("5.7.8 Authentication credentials invalid", "535", SMTP_CODES[535])
    with i18n.language("de"):
        said = refusal.describe("lena@firma.de")
    assert said.startswith("falscher Benutzername oder falsches Passwort: der Server meldet "
                           "„5.7.8 Authentication credentials invalid“ (535). Versuchen Sie: ")
    assert "`outreach mailbox edit lena@firma.de --password-stdin`" in said


LINT_DIR = ROOT / "tests" / "data" / "lint"


@pytest.mark.parametrize("path", sorted(LINT_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_lint_findings_in_german(outreach_home: Path, path: Path) -> None:
    with i18n.language("en"):
        english = [(f.rule, f.line, str(f)) for f in lint_file(path)]
    with i18n.language("de"):
        german = [(f.rule, f.line, str(f)) for f in lint_file(path)]
    assert [g[:2] for g in german] == [e[:2] for e in english] and german
    assert all(g[2] != e[2] for g, e in zip(german, english, strict=True))
    assert english_left("\n".join(g[2] for g in german)) == [], german


def test_sequence_check_prints_lint_in_german(outreach_home: Path) -> None:
    path = LINT_DIR / "spam_words_de.yaml"
    result = CliRunner().invoke(cli, ["--lang", "de", "sequence", "check", str(path)])
    assert f"{path}:10:22: steps[0].body: Spam-Signalwort „kostenlos“" in result.output


# -- the words views give stored values ------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "english", "german"),
    [
        (lambda: wording.state_with_reason("stopped", "company_reply"),
         "stopped (a colleague at the same company replied)",
         "gestoppt (ein Kollege aus derselben Firma hat geantwortet)"),
        (lambda: wording.state_with_reason("paused", "auto_reply"), "paused (out of office)",
         "pausiert (abwesend)"),
        (lambda: wording.reason("hard bounce 5.1.1 user_unknown"), "hard bounce 5.1.1 user_unknown",
         "dauerhaft unzustellbar, 5.1.1 Empfänger unbekannt"),
        (lambda: wording.reason("replied in campaign q1: reply"), "replied in campaign q1: reply",
         "beantwortet in Kampagne q1: Antwort"),
        (lambda: wording.intent("not_now"), "not now", "später"),
        (lambda: wording.intent("wrong_person"), "wrong person", "falsche Person"),
        (lambda: wording.message_kind("auto_reply"), "auto-reply", "automatische Antwort"),
        (lambda: wording.event_kind("campaign_started"), "campaign started", "Kampagne gestartet"),
        (lambda: wording.state("some_new_state"), "some new state", "some new state"),
        (lambda: wording.evidence("subject 'Abwesend'; text 'bin im Urlaub'"),
         "subject 'Abwesend'; text 'bin im Urlaub'", "Betreff 'Abwesend'; Text 'bin im Urlaub'"),
        (lambda: wording.evidence("RFC 3464 delivery status notification; delay warning: "
                                  "subject 'Delayed Mail'"),
         "RFC 3464 delivery status notification; delay warning: subject 'Delayed Mail'",
         "Zustellstatusmeldung nach RFC 3464; Verzögerungsmeldung: Betreff 'Delayed Mail'"),
        (lambda: wording.evidence("Auto-Submitted: auto-replied"), "Auto-Submitted: auto-replied",
         "Auto-Submitted: auto-replied"),
        (lambda: wording.why("names a time (next month)"), "names a time (next month)",
         "nennt einen Zeitpunkt (next month)"),
        (lambda: group_title("step 1 A"), "step 1 A", "Schritt 1 A"),
        (lambda: group_title("q1 step 2"), "q1 step 2", "q1 Schritt 2"),
        (lambda: group_title("total"), "total", "gesamt"),
        (lambda: of(2, 6, "contacted"), "2 of 6 contacted (33.3%)", "2 von 6 contacted (33,3\xa0%)"),
        (lambda: percent(1, 3), "33.3%", "33,3\xa0%"),
        (lambda: wording.pause_reason(bounce_pause_reason(1, 20, 50, 0.0333)),
         "1 of the first 20 sends bounced (2 % of a 50-send window, limit 3.33 %): check the "
         "prospect list, then `outreach campaign resume`",
         "1 der ersten 20 E-Mails unzustellbar (2 % eines Fensters von 50 E-Mails, Grenze "
         "3,33 %): prüfen Sie die Kontaktliste, dann `outreach campaign resume`"),
        (lambda: wording.pause_reason("sign in again: outreach mailbox login a@b.test"),
         "sign in again: outreach mailbox login a@b.test",
         "melden Sie sich neu an: outreach mailbox login a@b.test"),
        (lambda: wording.pause_reason("Urlaub"), "Urlaub", "Urlaub"),
        (lambda: wording.pause_reason(bounce_pause_reason(3, 50, 50, 0.05)),
         "3 of the last 50 sends bounced (6 %, limit 5 %): check the prospect list, then "
         "`outreach campaign resume`",
         "3 der letzten 50 E-Mails unzustellbar (6 %, Grenze 5 %): prüfen Sie die Kontaktliste, "
         "dann `outreach campaign resume`"),
    ],
)
def test_view_labels_in_both_languages(shown: object, english: str, german: str) -> None:
    assert callable(shown)
    with i18n.language("en"):
        assert shown() == english
    with i18n.language("de"):
        assert shown() == german


def test_stored_values_stay_english() -> None:
    """Only the label is translated: the values it is made from are the StrEnum values."""
    from outreach.states import EnrollmentState, ReplyIntent

    with i18n.language("de"):
        assert {s.value for s in EnrollmentState} <= set(wording.STATES)
        assert {i.value for i in ReplyIntent} <= set(wording.INTENTS)
        assert EnrollmentState.STOPPED.value == "stopped"


def test_texts_stored_with_rows_stay_english_in_german() -> None:
    """What outreach writes into the database (pause reasons, a shunted message's evidence,
    an address verdict) is English whatever the process speaks; views word it on display."""
    from outreach.deliverability.address_rules import AddressFacts
    from outreach.deliverability.domain_lookup import DomainStatus
    from outreach.deliverability.verify import verdict
    from outreach.watcher.deadline import shunted

    with i18n.language("de"):
        assert bounce_pause_reason(3, 50, 50, 0.05).startswith("3 of the last 50 sends bounced")
        assert shunted(30).evidence == "not classified within 30 s: set aside for review"
        assert wording.evidence(shunted(30).evidence) == (
            "nicht innerhalb von 30 s eingeordnet: zur Prüfung zurückgelegt")
        facts = AddressFacts("info@firma.de", "firma.de", role=True)
        risky = verdict(facts, DomainStatus("firma.de", True, "MX mx.firma.de"))
        assert risky.reason == "a role account, not a person"
        assert wording.reason(risky.reason) == "eine Funktionsadresse, keine Person"


def test_plan_days_are_english_for_json(outreach_home: Path) -> None:
    from outreach.campaigns.plan import plan_day

    with i18n.language("en"):
        assert plan_day(date(2026, 12, 7)) == "Mon 2026-12-07"
    with i18n.language("de"):
        assert plan_day(date(2026, 12, 7)) == "Mo., 07.12.2026"


# -- doctor against the real mail stack, in German ----------------------------------------

@pytest.mark.mailstack
def test_doctor_in_german_against_the_mail_stack(env: tuple[object, object]) -> None:  # noqa: F811
    i18n.use("de")
    diagnosis = asyncio.run(doctor(env, "rep@nospf.test"))  # type: ignore[arg-type]
    spf = next(f for f in diagnosis.findings if f.check == "SPF")
    assert spf.status == "fail" and "nospf.test hat keinen SPF-Eintrag" in spf.detail
    assert spf.fix.startswith("veröffentlichen Sie unter nospf.test einen TXT-Eintrag")
    shown = "\n".join(f"{check_title(f.check)}: {f.detail} {f.fix}" for f in diagnosis.findings)
    assert english_left(shown) == [], shown
