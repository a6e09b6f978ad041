"""``outreach demo``, the README's first command, does what it promises in about a minute."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_demo_shows_every_outcome() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    result = subprocess.run(
        [sys.executable, "-m", "outreach", "demo", "--timeout", "120"], env=env,
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout[result.stdout.rindex("campaign “demo”"):]

    def state(email: str) -> str:
        match = re.search(rf"{re.escape(email)}\s*│\s*(\w+)", table)
        assert match, (email, table)
        return match.group(1)

    assert state("anna@nordwind.example") == "finished"
    assert state("ben@kiefer.example") == "replied"
    assert state("chris@kiefer.example") == "stopped"  # a colleague at kiefer replied
    assert state("dana@lumen.example") == "paused"  # out of office until a return date
    assert state("emil@quarz.example") == "unsubscribed"
    assert state("nobody@ostwind.example") == "bounced"
