"""The command line in German and English (issue 21): help, errors, and JSON that never changes.

Help texts are translated where they are written (at import, after ``main()`` chose the
language), so the help is checked in a real ``outreach`` process with ``LANG=de_DE.UTF-8``.
Runtime messages (errors, results) are checked in-process with ``--lang de``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from outreach import i18n
from outreach.cli import cli, language_of, machine_output

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "outreach" / "locale" / "de" / "LC_MESSAGES"
HELP_COMMANDS = [
    [],
    ["mailbox", "add"],
    ["mailbox", "edit"],
    ["campaign"],
    ["campaign", "create"],
    ["prospects", "import"],
    ["sequence", "check"],
    ["report"],
    ["suppress"],
    ["daemon"],
    ["inbox", "scan"],
]
CSV = "email;Vorname;Firma\nanna@acme.test;Anna;Acme\nbob@beta.test;Bob;Beta\n"


def _messages(domain: str) -> Iterator[tuple[str, str]]:
    """(English, German) of every message of a catalog (each plural form on its own)."""
    with (CATALOGS / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        yield from zip(ids, strings, strict=False)


def _flat(text: str) -> str:
    """Words joined by single spaces: help is wrapped at any width."""
    return " ".join(text.split())


def _sentences(domain: str) -> list[tuple[str, str]]:
    """Messages of at least three words whose German differs: text a reader would notice."""
    return [
        (_flat(english), _flat(german)) for english, german in _messages(domain)
        if len(english.split()) >= 3 and german and _flat(german) != _flat(english)
    ]


def _outreach(*args: str, lang_env: str = "de_DE.UTF-8") -> subprocess.CompletedProcess[str]:
    """A real ``outreach`` process of this worktree, its language left to the locale."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OUTREACH_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang_env, PYTHONPATH=str(ROOT), COLUMNS="120")
    return subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )


def _leaks(output: str, sentences: list[tuple[str, str]], *, german: bool) -> list[str]:
    """Sentences of the other language that appear verbatim in ``output``."""
    flat = _flat(output)
    other = [english if german else translated for english, translated in sentences]
    return [sentence for sentence in other if sentence in flat]


def test_help_is_fully_german_with_a_german_locale() -> None:
    """``LANG=de_DE.UTF-8 outreach … --help``: click's frame and our texts are German; no
    English sentence of either catalog is left (the same check finds them in English help)."""
    ours, clicks = _sentences("outreach"), _sentences("click")
    found_in_english = 0
    for command in HELP_COMMANDS:
        german = _outreach(*command, "--help")
        assert german.returncode == 0, german.stderr
        assert german.stdout.startswith("Aufruf: outreach"), german.stdout[:200]
        assert "Optionen:" in german.stdout and "Diese Hilfe zeigen und beenden." in german.stdout
        assert _leaks(german.stdout, ours + clicks, german=True) == [], command
        english = _outreach("--lang", "en", *command, "--help")
        assert english.stdout.startswith("Usage: outreach"), english.stdout[:200]
        assert _leaks(english.stdout, ours + clicks, german=False) == [], command
        found_in_english += len([e for e, _ in ours + clicks if e in _flat(english.stdout)])
    # the leak check can fail: the English help holds many of the sentences it looks for
    assert found_in_english > 50


WALK = """
import sys, click
from outreach import i18n
from outreach.cli import language_of
i18n.use(language_of(sys.argv[1:]))
from outreach.cli.root import cli

def walk(command, path):
    ctx = click.Context(command, info_name=" ".join(path))
    print("=====", " ".join(path))
    print(command.get_help(ctx))
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            walk(command.get_command(ctx, name), [*path, name])

walk(cli, ["outreach"])
"""


def _every_help(*args: str, lang_env: str) -> list[str]:
    """The help of every command and subcommand, from one process started like ``outreach``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OUTREACH_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang_env, PYTHONPATH=str(ROOT), COLUMNS="120")
    done = subprocess.run([sys.executable, "-c", WALK, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return done.stdout.split("===== ")[1:]


def test_every_command_help_is_german() -> None:
    """All commands and subcommands (not only a sample): no English sentence of our catalog
    or click's in any German help, and no German one in any English help."""
    sentences = _sentences("outreach") + _sentences("click")
    german = _every_help(lang_env="de_DE.UTF-8")
    english = _every_help("--lang", "en", lang_env="de_DE.UTF-8")
    assert len(german) == len(english) > 40
    for page in german:
        assert "Aufruf:" in page, page[:80]
        assert _leaks(page, sentences, german=True) == [], page[:80]
    for page in english:
        assert "Usage:" in page, page[:80]
        assert _leaks(page, sentences, german=False) == [], page[:80]


def test_group_help_lists_commands_in_german() -> None:
    out = _outreach("--help").stdout
    assert "Befehle:" in out
    assert "Kampagnen: eine Sequenz" in out and "Die Sperrliste" in out


def test_a_missing_file_is_named_in_german() -> None:
    """click's own parameter words (Datei) are German when the command was built in German."""
    missing = _outreach("prospects", "import", "fehlt.csv")
    assert missing.returncode == 2
    assert "Fehler: Ungültiger Wert für 'FILE': Datei 'fehlt.csv' existiert nicht." \
        in missing.stderr, missing.stderr


def test_every_command_has_translated_help() -> None:
    """No command of the group falls back to English help (a missing help=_() or entry)."""
    for group in ("campaign", "mailbox", "prospects", "sequence", "suppress", "inbox"):
        out = _outreach(group, "--help").stdout
        commands = out.split("Befehle:", 1)[1]
        assert _leaks(commands, _sentences("outreach"), german=True) == [], group


@pytest.fixture
def runner(outreach_home: Path) -> CliRunner:
    return CliRunner()


def _add_mailbox(runner: CliRunner, *extra: str) -> None:
    added = runner.invoke(cli, ["mailbox", "add", "rep@sales.test", "--smtp-host", "127.0.0.1",
                                "--smtp-security", "none", "--imap-host", "127.0.0.1",
                                "--imap-security", "none", "--password-command", "echo x",
                                *extra])
    assert added.exit_code == 0, added.output


@pytest.mark.parametrize(
    ("args", "stdin", "code", "english", "german"),
    [
        (["mailbox", "test", "nobody@sales.test"], None, 3,
         "error: no mailbox 'nobody@sales.test'",
         "Fehler: kein Postfach 'nobody@sales.test'"),
        (["mailbox", "add", "rep@sales.test", "--smtp-host", "h.test", "--imap-host", "h.test",
          "--password-stdin"], "\n", 2,
         "error: --password-stdin read an empty password from standard input",
         "Fehler: --password-stdin hat ein leeres Passwort von der Standardeingabe gelesen"),
        (["prospects", "import", "missing.csv"], None, 2,
         "Invalid value for 'FILE': File 'missing.csv' does not exist.",
         "Fehler: Ungültiger Wert für 'FILE': "),
        (["mailbox", "pause"], None, 2,
         "Missing argument 'EMAIL'", "Argument fehlt 'EMAIL'"),
        (["mailbox", "edit", "rep@sales.test"], None, 2,
         "error: nothing to change for rep@sales.test\n  → name a setting",
         "Fehler: für rep@sales.test ist nichts zu ändern\n  → nennen Sie eine Einstellung"),
        (["report", "--json", "--csv"], None, 2,
         "error: choose one of --json and --csv", "error: choose one of --json and --csv"),
        (["status", "--nope"], None, 2,
         "Error: No such option '--nope'.", "Fehler: Keine Option '--nope'."),
    ],
)
def test_errors_in_both_languages(
    runner: CliRunner, args: list[str], stdin: str | None, code: int, english: str, german: str
) -> None:
    """The same mistake: the same exit code, the message in the language asked for (a command
    given --json keeps English even with --lang de)."""
    said = {}
    for lang in ("en", "de"):
        result = runner.invoke(cli, ["--lang", lang, *args], input=stdin)
        assert result.exit_code == code, (lang, result.output)
        said[lang] = result.output
    assert english in said["en"], said["en"]
    assert german in said["de"], said["de"]


def test_runtime_messages_and_tables_in_german(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(CSV)
    imported = runner.invoke(cli, ["--lang", "de", "prospects", "import", str(tmp_path / "p.csv")])
    assert imported.exit_code == 0, imported.output
    assert "importiert (utf-8, getrennt durch Semikolon, 2 Zeilen)" in imported.output
    assert "  neu          2\n" in imported.output
    _add_mailbox(runner)
    listed = runner.invoke(cli, ["--lang", "de", "mailbox", "list"], env={"COLUMNS": "200"})
    assert "Tageslimit" in listed.output and "aktiv" in listed.output, listed.output
    edited = runner.invoke(cli, ["--lang", "de", "mailbox", "edit", "rep@sales.test",
                                 "--daily-cap", "25", "--timezone", "Europe/Berlin"])
    assert edited.output == ("Postfach rep@sales.test geändert:\n  Tageslimit: 40 → 25\n"
                             "  Zeitzone: (keine) → Europe/Berlin\n"), edited.output
    paused = runner.invoke(cli, ["--lang", "de", "mailbox", "pause", "rep@sales.test"])
    assert paused.output == "Postfach rep@sales.test pausiert\n"
    status = runner.invoke(cli, ["--lang", "de", "status"], env={"COLUMNS": "250"})
    assert "für diese Datenbank läuft kein Versand" in status.output
    assert "pausiert: von Hand pausiert" in status.output, status.output
    suppressed = runner.invoke(cli, ["--lang", "de", "suppress", "add", "@beta.test"])
    assert suppressed.output == "@beta.test gesperrt (von Hand)\n"
    english = runner.invoke(cli, ["--lang", "en", "suppress", "add", "@beta.test"])
    assert english.output == "@beta.test was already suppressed (manual); kept as is\n"


def _json_commands(tmp_path: Path) -> list[list[str]]:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps:\n  - subject: Hi\n    body: 'Hallo {{ vorname }'\n")
    return [
        ["status", "--json"],
        ["mailbox", "list", "--json"],
        ["prospects", "list", "--json"],
        ["prospects", "show", "anna@acme.test", "--json"],
        ["suppress", "list", "--json"],
        ["campaign", "list", "--json"],
        ["campaign", "show", "q1", "--json"],
        ["campaign", "plan", "q1", "--json"],
        ["report", "--json"],
        ["report", "q1", "--by", "step", "--json"],
        ["sequence", "check", str(bad), "--json"],
        ["sequence", "check", str(tmp_path / "missing.yaml"), "--json"],
        ["mailbox", "test", "nobody@sales.test", "--json"],
    ]


def _world(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(CSV)
    assert runner.invoke(cli, ["prospects", "import", str(tmp_path / "p.csv"), "--tag", "q1"]
                         ).exit_code == 0
    _add_mailbox(runner)
    assert runner.invoke(cli, ["mailbox", "pause", "rep@sales.test"]).exit_code == 0
    assert runner.invoke(cli, ["suppress", "add", "@beta.test"]).exit_code == 0
    created = runner.invoke(cli, ["campaign", "create", "q1", "--sequence",
                                  str(ROOT / "sequences" / "example-de.yaml"),
                                  "--mailbox", "rep@sales.test", "--tag", "q1"])
    assert created.exit_code == 0, created.output


def test_json_is_the_same_in_both_languages(runner: CliRunner, tmp_path: Path) -> None:
    """--json output and exit codes do not depend on --lang (nor on errors' language)."""
    _world(runner, tmp_path)
    for command in _json_commands(tmp_path):
        english = runner.invoke(cli, ["--lang", "en", *command])
        german = runner.invoke(cli, ["--lang", "de", *command])
        assert english.exit_code == german.exit_code, command
        assert english.stdout == german.stdout, command
        if english.exit_code == 0:
            json.loads(english.stdout)  # really JSON
        assert "Fehler" not in german.output, (command, german.output)


def test_json_is_the_same_with_a_german_locale(tmp_path: Path) -> None:
    """The real entry point: ``LANG=de_DE.UTF-8`` and ``--lang en`` print the same bytes."""
    home = tmp_path / "home"
    env_home = {"OUTREACH_HOME": str(home)}
    os.environ.update(env_home)
    try:
        for command in (["status", "--json"], ["mailbox", "list", "--json"],
                        ["sequence", "check", str(tmp_path / "missing.yaml"), "--json"],
                        ["campaign", "plan", "nosuch", "--json"]):
            german = _outreach(*command)
            english = _outreach("--lang", "en", *command, lang_env="C")
            assert (german.returncode, german.stdout) == (english.returncode, english.stdout)
            assert german.stderr == english.stderr, command
    finally:
        os.environ.pop("OUTREACH_HOME")


@pytest.mark.parametrize(
    ("argv", "machine"),
    [
        (["status", "--json"], True),
        (["--lang", "de", "status", "--json"], True),
        (["daemon", "--log-format", "json"], True),
        (["status"], False),
        (["sequence", "check", "--", "--json"], False),
    ],
)
def test_machine_output_overrules_lang(argv: list[str], machine: bool) -> None:
    assert machine_output(argv) is machine
    assert language_of(argv, {"LANG": "de_DE.UTF-8"}) == ("en" if machine else "de")


def test_numbers_in_reports_follow_the_language(runner: CliRunner, tmp_path: Path) -> None:
    _world(runner, tmp_path)
    with i18n.language("de"):
        plan = runner.invoke(cli, ["--lang", "de", "campaign", "plan", "q1"],
                             env={"COLUMNS": "200"})
    assert plan.exit_code == 0, plan.output
    assert "Ortszeit" in plan.output and "Sendung" in plan.output, plan.output


def test_a_damaged_database_is_explained_in_both_languages(outreach_home: Path) -> None:
    """The store's own errors (with their advice) follow --lang; --json keeps English."""
    outreach_home.mkdir(parents=True, exist_ok=True)
    (outreach_home / "outreach.db").write_text("not a database at all\n" * 100)
    runner = CliRunner()
    german = runner.invoke(cli, ["--lang", "de", "mailbox", "list"])
    english = runner.invoke(cli, ["--lang", "en", "mailbox", "list"])
    machine = runner.invoke(cli, ["--lang", "de", "mailbox", "list", "--json"])
    assert german.exit_code == english.exit_code == machine.exit_code == 1
    assert "ist keine nutzbare outreach-Datenbank" in german.output, german.output
    assert "→ stellen Sie sie aus einer Sicherung wieder her" in german.output
    assert "is not a usable outreach database" in english.output, english.output
    assert machine.output == english.output
