"""A real mail client's reply, quoted its own way, through the real stack (s-nail).

s-nail run as POSIX says (``-n``: no system rc) quotes the original with a TAB under an
attribution line. Our first step carries a PS "antworten Sie mit 'abmelden'"; the
prospect answers "Ja, gerne!" with s-nail: that is a reply, never an opt-out, and nobody
is suppressed.
"""

from __future__ import annotations

import shutil
import subprocess
from email.message import Message
from pathlib import Path

import pytest
from sqlmodel import Session

from outreach.prospects.suppression import is_suppressed
from outreach.services import inbox_watcher
from outreach.store import open_store
from tests.fixtures.campaigns import add_mailbox, add_prospects, fast_config, start_campaign
from tests.fixtures.mailstack import MailStack
from tests.test_watcher_support import (
    Services,
    fast_watcher_config,
    inbound_rows,
    sends_to,
    states,
    unique_local,
)

pytestmark = pytest.mark.mailstack

S_NAIL = "/usr/bin/s-nail"
PS_SEQUENCE = """\
name: ps test
schedule: {timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
pace: {daily_cap: 1000, gap: 0s}
stop: {on_reply: true, on_company_reply: true}
steps:
  - subject: "Kurze Frage"
    body: |
      Hallo {{ first_name }},

      wir helfen Teams wie {{ company }}, schneller zu liefern. Haben Sie
      nächste Woche 15 Minuten?

      Viele Grüße
      Rep

      PS: Kein Interesse? Antworten Sie einfach mit "abmelden".
  - wait: 1h
    body: |
      Hallo {{ first_name }}, nur eine kurze Erinnerung.
"""
ANSWER = "Ja, gerne! Dienstag passt."


def s_nail_reply(original: bytes, answer: str, sender: str, work: Path) -> bytes:
    """What s-nail sends when ``sender`` replies to ``original`` with ``answer``."""
    mbox, captured, mta = work / "mbox", work / "reply.eml", work / "capture.sh"
    mbox.write_bytes(b"From rep@sales.test Mon Dec  7 10:00:00 2026\n" + original + b"\n")
    mta.write_text(f"#!/bin/sh\ncat > '{captured}'\n")
    mta.chmod(0o755)
    subprocess.run(
        [S_NAIL, "-n", "-#", "-S", "quote", "-S", f"mta={mta}", "-S", f"from={sender}",
         "-S", "ttycharset=utf-8", "-f", str(mbox)],
        input=f"reply 1\n{answer}\n~.\n", text=True, check=True, timeout=30,
        capture_output=True,
    )  # fmt: skip
    return captured.read_bytes()


def received_copy(mailstack: MailStack, prospect: str, message_id: str) -> bytes:
    def ours(message: Message) -> bool:
        return str(message.get("Message-ID", "")).strip() == message_id

    [copy] = mailstack.wait_for_messages(prospect, 1, match=ours)
    return copy.as_bytes()


@pytest.mark.skipif(shutil.which(S_NAIL) is None, reason="s-nail missing: scripts/install_test_deps.sh")
async def test_s_nail_tab_quoted_yes_is_a_reply_not_an_opt_out(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    alice = f"{unique_local('alice')}@prospects.test"
    colleague = f"{unique_local('bob')}@prospects.test"
    for address in (alice, colleague):
        mailstack.add_user(address, "p-secret")
    rep = f"{unique_local('rep')}@sales.test"
    mailstack.add_user(rep, "rep-secret")
    db = open_store()
    add_mailbox(db, rep, "rep-secret", mailstack.host, mailstack.smtp_port,
                mailstack.imaps_port, security="starttls", insecure=True)  # fmt: skip
    add_prospects(db, [alice, colleague])
    sequence = tmp_path / "ps.yaml"
    sequence.write_text(PS_SEQUENCE)
    start_campaign(db, "ps", sequence, [rep])

    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: sends_to(db, alice), what=f"the first step to {alice}")
        original = received_copy(mailstack, alice, sends_to(db, alice)[0].message_id)
        reply = s_nail_reply(original, ANSWER, alice, tmp_path)
        assert b"\n\t" in reply.replace(b"=09", b"\t")  # s-nail quoted with a TAB
        async with mailstack.smtp_client(alice, "p-secret") as smtp:
            await smtp.sendmail(alice, [rep], reply)
        await services.until(lambda: states(db)[alice][0], what=f"{alice} answered",
                             ok=lambda state: state != "active")  # fmt: skip

    assert states(db)[alice] == ("replied", "reply")
    assert states(db)[colleague][0] == "stopped"  # a company reply, not an opt-out
    [row] = inbound_rows(db)
    assert (row.kind, row.new_text) == ("reply", ANSWER)
    with Session(db) as session:
        assert is_suppressed(session, alice) is None
        assert is_suppressed(session, colleague) is None
