"""``outreach mailbox`` without a server: validation, storage, and where the secret goes."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
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
