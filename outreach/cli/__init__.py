"""The ``outreach`` command line.

:func:`main` chooses the language first (``--lang``, ``OUTREACH_LANG``, the locale), then
imports the command group (:mod:`outreach.cli.root`), so that every help text and message is
translated where it is written. ``--json`` output and JSON logs are for programs: a command
given ``--json`` (or ``--log-format json``) speaks English, so its output is the same in every
language.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, Any

from outreach import i18n

if TYPE_CHECKING:
    from outreach.cli.lazy import LazyCommand
    from outreach.cli.root import cli as cli

    COMMANDS: dict[str, LazyCommand]

MACHINE_FLAGS = ("--json", "--log-format=json")


def language_of(argv: list[str], environ: dict[str, str] | None = None) -> str:
    """The language ``argv`` asks for: English for machine output, else ``--lang`` or the env."""
    if machine_output(argv):
        return i18n.SOURCE
    words = argv[: argv.index("--")] if "--" in argv else argv
    return i18n.choose(_pair(words, "--lang"), environ)


def machine_output(argv: list[str]) -> bool:
    """Whether ``argv`` asks for output for programs (``--json``, JSON logs): then every
    message, even an error, is English, whatever ``--lang`` or the locale say."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    return any(word in MACHINE_FLAGS for word in words) or _pair(words, "--log-format") == "json"


def _pair(words: list[str], option: str) -> str | None:
    for index, word in enumerate(words):
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
        if word == option and index + 1 < len(words):
            return words[index + 1]
    return None


def main() -> None:
    """The ``outreach`` command.

    Start-up only allocates (it imports the command's modules), so the cyclic garbage
    collector stays off until the command's module is loaded
    (:func:`outreach.cli.lazy.load_command` turns it back on); and when the
    command ends, the objects are frozen so that the interpreter's final collections skip
    them: together about a quarter of a quick command's time (``bench/cli_start.py``).
    """
    gc.disable()
    try:
        i18n.use(language_of(sys.argv[1:]))
        from outreach.cli.root import cli

        cli(prog_name="outreach")
    finally:
        gc.enable()
        gc.freeze()


def __getattr__(name: str) -> Any:
    if name in ("cli", "COMMANDS", "OutreachGroup"):
        from outreach.cli import root

        return getattr(root, name)
    raise AttributeError(name)


if __name__ == "__main__":
    main()
