"""``outreach mailbox`` without a server: validation, storage, and where the secret goes."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner

from outreach.cli import cli
from tests.fixtures.home import use_keyring_backend

SECRET = "s3cret-Pa55-word"


def add_args(email: str = "rep@sales.test", *extra: str) -> list[str]:
    return [
        "mailbox",
        "add",
        email,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        "2525",
        "--smtp-security",
        "none",
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        "1143",
        "--imap-security",
        "none",
        "--name",
        "Rep One",
        *extra,
    ]


def test_add_puts_the_password_in_the_keyring_only(outreach_home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, add_args("Rep@Sales.test", "--password-stdin"), input=SECRET + "\n"
    )
    assert result.exit_code == 0, result.output
    assert keyring.get_password("outreach", "rep@sales.test") == SECRET
    for path in outreach_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in result.output


def test_list_json_shows_settings_and_no_secret(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin"), input=SECRET + "\n")
    result = runner.invoke(cli, ["mailbox", "list", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["email"] == "rep@sales.test"
    assert row["smtp"] == "127.0.0.1:2525"
    assert row["name"] == "Rep One"
    assert row["secret"] == "keyring"
    assert SECRET not in result.output


def test_plaintext_is_refused_for_a_remote_host(outreach_home: Path) -> None:
    args = add_args("rep@sales.test", "--password-stdin")
    args[args.index("127.0.0.1")] = "smtp.example.com"
    result = CliRunner().invoke(cli, args, input=SECRET + "\n")
    assert result.exit_code != 0
    assert "clear text" in result.output
    assert keyring.get_password("outreach", "rep@sales.test") is None


def test_exactly_one_secret_source_is_required(outreach_home: Path) -> None:
    result = CliRunner().invoke(cli, add_args())
    assert result.exit_code == 2
    assert "exactly one of --password-stdin, --password-command" in result.output


def test_invalid_address_is_refused(outreach_home: Path) -> None:
    result = CliRunner().invoke(cli, add_args("not-an-address", "--password-command", "true"))
    assert result.exit_code == 2
    assert "not a valid e-mail address" in result.output


def test_insecure_skip_verify_warns_loudly(outreach_home: Path) -> None:
    result = CliRunner().invoke(
        cli, add_args("rep@sales.test", "--password-command", "echo x", "--insecure-skip-verify")
    )
    assert result.exit_code == 0, result.output
    assert "will NOT be verified" in result.output


def test_remove_deletes_row_and_keyring_entry(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin"), input=SECRET + "\n")
    assert runner.invoke(cli, ["mailbox", "remove", "rep@sales.test"]).exit_code == 0
    assert keyring.get_password("outreach", "rep@sales.test") is None
    assert json.loads(runner.invoke(cli, ["mailbox", "list", "--json"]).output) == []
    missing = runner.invoke(cli, ["mailbox", "remove", "rep@sales.test"])
    assert missing.exit_code == 3
    assert "no mailbox" in missing.output


def test_no_keyring_backend_says_what_to_do(outreach_home: Path, monkeypatch) -> None:
    use_keyring_backend(monkeypatch, "keyring.backends.fail.Keyring")
    result = CliRunner().invoke(cli, add_args("rep@sales.test", "--password-stdin"), input="x\n")
    assert result.exit_code != 0
    for advice in ("PYTHON_KEYRING_BACKEND", "keyrings.alt", "--password-command"):
        assert advice in result.output


def test_password_command_failure_is_reported_without_output(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-command", "echo leaked; exit 3"))
    result = runner.invoke(cli, ["mailbox", "test", "rep@sales.test"])
    assert result.exit_code == 1
    assert "exited with 3" in result.output
    assert "leaked" not in result.output


def _listed(runner: CliRunner) -> dict[str, object]:
    [row] = json.loads(runner.invoke(cli, ["mailbox", "list", "--json"]).output)
    return dict(row)


def test_add_of_an_existing_address_refuses_and_points_to_edit(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin"), input=SECRET + "\n")
    before = _listed(runner)
    again = add_args("rep@sales.test", "--password-stdin")
    again[again.index("2525")] = "587"
    result = runner.invoke(cli, again, input="other-password\n")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert "outreach mailbox edit rep@sales.test" in result.output
    assert _listed(runner) == before
    assert keyring.get_password("outreach", "rep@sales.test") == SECRET


def test_edit_changes_only_the_given_fields(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin", "--ramp", "10+5/day"),
                  input=SECRET + "\n")
    before = _listed(runner)
    result = runner.invoke(cli, [
        "mailbox", "edit", "Rep@Sales.test", "--daily-cap", "25", "--timezone", "Europe/Berlin",
        "--sent-copy", "append",
    ])
    assert result.exit_code == 0, result.output
    assert "daily_cap: 40 → 25" in result.output
    assert "timezone: (none) → Europe/Berlin" in result.output
    after = _listed(runner)
    assert after == {**before, "daily_cap": 25, "timezone": "Europe/Berlin", "sent_copy": "append"}
    assert after["smtp"] == "127.0.0.1:2525" and after["name"] == "Rep One"
    assert keyring.get_password("outreach", "rep@sales.test") == SECRET


def test_edit_password_stdin_replaces_only_the_password(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin"), input=SECRET + "\n")
    before = _listed(runner)
    result = runner.invoke(cli, ["mailbox", "edit", "rep@sales.test", "--password-stdin"],
                           input="n3w-Pa55\n")
    assert result.exit_code == 0, result.output
    assert "password: replaced in the OS keyring" in result.output
    assert "n3w-Pa55" not in result.output
    assert keyring.get_password("outreach", "rep@sales.test") == "n3w-Pa55"
    assert _listed(runner) == before


def test_edit_to_a_password_command_forgets_the_keyring_entry(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-stdin"), input=SECRET + "\n")
    result = runner.invoke(
        cli, ["mailbox", "edit", "rep@sales.test", "--password-command", "pass show mail/rep"]
    )
    assert result.exit_code == 0, result.output
    assert "secret: keyring → command" in result.output
    assert keyring.get_password("outreach", "rep@sales.test") is None
    both = runner.invoke(cli, ["mailbox", "edit", "rep@sales.test", "--password-stdin",
                               "--password-command", "true"], input="x\n")
    assert both.exit_code == 2
    assert "exactly one of" in both.output


def test_edit_security_moves_a_default_port_and_keeps_a_chosen_one(outreach_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["mailbox", "add", "rep@sales.test", "--smtp-host", "smtp.sales.test",
                        "--imap-host", "imap.sales.test", "--imap-port", "10993",
                        "--password-command", "true"])
    result = runner.invoke(cli, ["mailbox", "edit", "rep@sales.test", "--smtp-security", "tls",
                                 "--imap-security", "starttls", "--name", "Rep Zwei"])
    assert result.exit_code == 0, result.output
    row = _listed(runner)
    assert (row["smtp"], row["smtp_security"]) == ("smtp.sales.test:465", "tls")
    assert (row["imap"], row["imap_security"]) == ("imap.sales.test:10993", "starttls")
    assert row["name"] == "Rep Zwei" and row["secret"] == "command"
    cleared = runner.invoke(cli, ["mailbox", "edit", "rep@sales.test", "--name", ""])
    assert cleared.exit_code == 0, cleared.output
    assert _listed(runner)["name"] is None


@pytest.mark.parametrize(
    ("args", "exit_code", "words"),
    [
        ([], 2, "nothing to change"),
        (["--timezone", "Mars/Olympus"], 2, "not a time zone"),
        (["--daily-cap", "0"], 2, "--daily-cap must be at least 1"),
        (["--smtp-security", "none", "--smtp-host", "smtp.example.com"], 2, "clear text"),
        (["--ramp", "lots"], 2, "ramp"),
    ],
)
def test_edit_refuses_bad_values_and_changes_nothing(
    outreach_home: Path, args: list[str], exit_code: int, words: str
) -> None:
    runner = CliRunner()
    runner.invoke(cli, add_args("rep@sales.test", "--password-command", "true"))
    before = _listed(runner)
    result = runner.invoke(cli, ["mailbox", "edit", "rep@sales.test", *args])
    assert result.exit_code == exit_code, result.output
    assert words in result.output
    assert _listed(runner) == before


def test_edit_of_an_unknown_mailbox_says_so(outreach_home: Path) -> None:
    result = CliRunner().invoke(cli, ["mailbox", "edit", "nobody@sales.test", "--daily-cap", "5"])
    assert result.exit_code == 3
    assert "no mailbox" in result.output
