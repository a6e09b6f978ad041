"""The CLI starts fast: importing it loads no command module, database, TUI or rich."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from outreach.cli import COMMANDS, cli
from outreach.cli.lazy import load_command

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "textual", "rich", "pydantic", "spf", "dns")
HEAVY_OURS = ("outreach.store", "outreach.mailbox", "outreach.sequences", "outreach.services")


def modules_after(code: str) -> set[str]:
    """The names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def loaded_under(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in roots or m.startswith(roots))


def test_importing_the_cli_loads_nothing_heavy() -> None:
    modules = modules_after("import outreach.cli")
    assert loaded_under(modules, HEAVY) == []
    assert loaded_under(modules, HEAVY_OURS) == []
    assert [m for m in modules if m.startswith("outreach.cli.")] == []


def test_help_loads_no_command_module() -> None:
    modules = modules_after("from outreach.cli import cli\ncli(['--help'], standalone_mode=False)")
    assert loaded_under(modules, HEAVY) == []
    assert sorted(m for m in modules if m.startswith("outreach.cli.")) == [
        "outreach.cli.lazy", "outreach.cli.root"
    ]


def test_help_lists_every_command_with_its_short_help() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1]
    for name, entry in COMMANDS.items():
        assert f"  {name} " in listed
        assert entry.short_help in listed


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_lazy_command_loads_under_its_name(name: str) -> None:
    command = load_command(COMMANDS[name])
    assert isinstance(command, click.Command)
    assert command.name == name
    assert command.help, f"{name} has no help of its own"


def test_prospects_verify_is_added_with_prospects() -> None:
    result = CliRunner().invoke(cli, ["prospects", "--help"])
    assert result.exit_code == 0, result.output
    assert "verify" in result.output.split("Commands:")[1]


QUICK_HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "textual", "psycopg", "aiosmtplib",
               "imapclient", "dns")


@pytest.mark.parametrize("args", [
    ["status", "--json"],
    ["mailbox", "list", "--json"],
    ["sequence", "check", str(ROOT / "sequences" / "example-de.yaml"), "--json"],
])  # fmt: skip
def test_read_only_commands_do_not_load_the_database_libraries(
    args: list[str], outreach_home: Path
) -> None:
    """On a current SQLite database the quick commands read through sqlite3 alone
    (``outreach.store.reading``); their answers are checked in tests/test_reading.py."""
    subprocess.run([sys.executable, "-m", "outreach", "init"], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    code = (
        "import json, sys\n"
        "from outreach.cli import main\n"
        f"sys.argv = ['outreach', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
    )
    modules = modules_after(code)
    assert loaded_under(modules, QUICK_HEAVY) == []
    assert {"sqlite3", "outreach.store.reading"} <= modules


def test_mailbox_help_loads_no_subcommand_module() -> None:
    modules = modules_after(
        "from outreach.cli import cli\n"
        "try:\n    cli(['mailbox', '--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    assert "outreach.cli.mailbox" in modules
    assert "outreach.cli.mailbox_commands" not in modules
    assert "outreach.cli.mailbox_oauth" not in modules
    assert loaded_under(modules, HEAVY[:3]) == []


def test_commands_run_with_the_garbage_collector_on() -> None:
    """`main` turns the collector off while it imports; every command (and the TUI that
    a bare `outreach` opens) must get it back, or a long run would keep its garbage."""
    code = (
        "import gc, sys\n"
        "import outreach.cli.lazy as lazy\n"
        "real = lazy.load_command\n"
        "def spy(entry):\n"
        "    command = real(entry)\n"
        "    print('collector', gc.isenabled(), entry.attribute)\n"
        "    raise SystemExit(0)\n"
        "lazy.load_command = spy\n"
        "import outreach.cli.root as root\n"
        "root.load_command = spy\n"
        "sys.argv = ['outreach', 'run', '--help']\n"
        "from outreach.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('frozen', gc.get_freeze_count() > 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert "collector True run" in out
    assert "frozen True" in out
