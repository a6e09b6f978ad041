"""``outreach demo``, the README's first command, does what it promises in about a minute."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from outreach.demo import narrate


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

    # each inbound message is told as it is handled, with what it did to whom
    told = re.sub(r"\s+", " ", result.stdout[:result.stdout.rindex("campaign “demo”")])
    assert "reply from ben@kiefer.example" in told
    assert "→ chris@kiefer.example stopped (a colleague at the same company replied)" in told
    assert "out-of-office from dana@lumen.example" in told
    assert "→ dana@lumen.example paused" in told
    assert "opt-out from emil@quarz.example" in told
    assert "→ emil@quarz.example unsubscribed" in told
    assert "→ nobody@ostwind.example bounced" in told
    assert "actions=[" not in told  # no raw event dumps
    assert "sequence new --example en" in result.stdout


BEFORE = {"ben@k.example": ("active", None), "chris@k.example": ("active", None),
          "dana@l.example": ("active", None)}


def test_a_reply_is_told_with_everyone_it_stopped() -> None:
    after = {**BEFORE, "ben@k.example": ("replied", "reply"),
             "chris@k.example": ("stopped", "company_reply")}
    info: dict[str, object] = {"from": "ben@k.example", "subject": "Re: Hi", "held": None}
    assert narrate("reply", info, BEFORE, after) == [
        "reply from ben@k.example to “Re: Hi”",
        "  → ben@k.example replied: no more follow-ups",
        "  → chris@k.example stopped (a colleague at the same company replied)",
    ]


def test_bounces_opt_outs_and_held_messages_are_told() -> None:
    bounced = {**BEFORE, "dana@l.example": ("bounced", "hard bounce 5.1.1 user_unknown")}
    daemon: dict[str, object] = {"from": "mailer-daemon@x.example", "subject": "Undelivered"}
    assert narrate("bounce", daemon, BEFORE, bounced)[1:] == [
        "  → dana@l.example bounced: address suppressed (hard bounce 5.1.1 user_unknown)"]
    held: dict[str, object] = {"from": "dana@l.example", "subject": "stop", "held": True}
    assert narrate("unsubscribe", held, BEFORE, BEFORE) == [
        "opt-out from dana@l.example (“stop”)", "  → held for review"]
    assert narrate("sent", {"to": "ben@k.example"}, BEFORE, BEFORE) == []
