"""Forged mail on the real Postfix + Dovecot stack: held for review, acting on nobody.

Three prospects have had their first email. Then arrive, none of them naming a
Message-ID of ours: a DSN from an attacker's MAILER-DAEMON naming Alice (5.1.1); a
plain-text "Undeliverable" naming Carol; an opt-out From Dave that the provider's
Authentication-Results say failed DMARC/SPF; an opt-out whose encoded display name is
Alice's address, from the attacker's own. ``outreach inbox scan --json`` shows each
"held for review" with no actions; the watcher records each with a ``held`` event and
changes nothing: no enrollment ends, nobody is suppressed, the campaign keeps running.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.cli import cli
from outreach.prospects.suppression import is_suppressed
from outreach.sandbox import build_dsn
from outreach.services import inbox_watcher
from outreach.store.models import Campaign, Event
from outreach.views.inbox import inbox_page
from outreach.views.numbers import totals
from outreach.watcher.triage import reclassify
from tests.fixtures.campaigns import fast_config
from tests.fixtures.mailstack import REP2, MailStack
from tests.polling import until
from tests.test_watcher_mailstack import campaign, has_sent, submit
from tests.test_watcher_support import Services, fast_watcher_config, inbound_rows, reply_to, states

pytestmark = pytest.mark.mailstack

ALICE, CAROL, DAVE = "alice@prospects.test", "carol@prospects.test", "dave@acme.test"
ATTACKER = "attacker@evil.test"
SUBJECTS = {
    "Undelivered Mail Returned to Sender": "bounce",
    "Undeliverable: Hello": "bounce",
    "Stop": "unsubscribe",
    "Remove me": "unsubscribe",
}


def forged_dsn(rep: str) -> bytes:
    """A well-formed RFC 3464 report from the attacker's domain about a message we never
    sent (its returned headers carry the attacker's Message-ID)."""
    original = reply_to(rep, ALICE, subject="Hello")
    del original["Message-ID"]
    original["Message-ID"] = "<made-up.1@evil.test>"
    dsn = build_dsn(original.as_bytes(), recipient=ALICE, sender=rep,
                    reporting_mta="evil.test", now=datetime.now(UTC))  # fmt: skip
    return dsn.as_bytes(policy=policy.SMTP)


def plain_bounce(rep: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Mail Delivery System <postmaster@evil.test>"
    message["To"] = rep
    message["Subject"] = "Undeliverable: Hello"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="evil.test")
    message.set_content(
        "Delivery has failed to these recipients or groups:\n\n"
        f"{CAROL}\nThe email address you entered couldn't be found.\n\n"
        f"Remote server returned '550 5.1.1 <{CAROL}>: Recipient address rejected: "
        "User unknown in virtual mailbox table'\n"
    )
    return message


def spoofed_opt_out(rep: str) -> EmailMessage:
    """Dave's address in From, sent from elsewhere: the provider says so on top."""
    verdict = (
        "mx.provider.test; spf=fail (domain of dave@acme.test does not designate 192.0.2.9 "
        "as permitted sender) smtp.mailfrom=dave@acme.test; dkim=none; "
        "dmarc=fail (p=reject) header.from=acme.test"
    )
    return reply_to(DAVE, rep, subject="Stop", text="Unsubscribe me. Remove me from your list.",
                    headers={"Authentication-Results": verdict})  # fmt: skip


def encoded_name_opt_out(rep: str) -> bytes:
    """From ``=?utf-8?b?…?= <attacker@evil.test>``, the encoded word being Alice's address
    (written as bytes: the email package would re-encode the header)."""
    name = base64.b64encode(ALICE.encode()).decode()
    message = reply_to(ATTACKER, rep, subject="Remove me",
                       text="Unsubscribe me. Remove me from your list.")  # fmt: skip
    raw = message.as_bytes(policy=policy.SMTP)
    forged = raw.replace(f"From: {ATTACKER}".encode(), f"From: =?utf-8?b?{name}?= <{ATTACKER}>".encode(), 1)
    assert forged != raw
    return forged


def scan_json(rep: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["inbox", "scan", rep, "--json"])
    assert result.exit_code == 0, result.output
    messages: list[dict[str, Any]] = json.loads(result.output)["messages"]
    return [m for m in messages if m["subject"] in SUBJECTS]


def held_events(db: Engine) -> list[Event]:
    with Session(db) as session:
        return list(session.exec(select(Event).where(col(Event.kind) == "held")))


def inbound_event_kinds(db: Engine) -> set[str]:
    with Session(db) as session:
        rows = session.exec(select(Event.kind).where(col(Event.inbound_id).is_not(None)))
        return set(rows.all())


async def test_forged_bounces_and_spoofed_opt_outs_are_held_for_review(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    db, rep = campaign(mailstack, tmp_path, [ALICE, CAROL, DAVE], wait="1h")
    watcher = inbox_watcher(db, fast_watcher_config())
    async with Services(db, fast_config(), watcher) as services:
        for prospect in (ALICE, CAROL, DAVE):
            await services.until(has_sent(db, prospect), what=f"a send to {prospect}")

    async with mailstack.smtp_client(REP2.address, REP2.password) as smtp:
        for raw in (forged_dsn(rep), encoded_name_opt_out(rep)):
            await smtp.sendmail(ATTACKER, [rep], raw)
    for message in (plain_bounce(rep), spoofed_opt_out(rep)):
        await submit(mailstack, message)

    scanned = await until(lambda: scan_json(rep), 60, what="the four forgeries in a scan",
                          ok=lambda found: len(found) == 4, step=0.5)  # fmt: skip
    for item in scanned:
        assert item["kind"] == SUBJECTS[item["subject"]], item
        assert (item["status"], item["actions"]) == ("held for review", []), item
        assert item["held"], item
    by_subject = {item["subject"]: item for item in scanned}
    assert by_subject["Remove me"]["from"] == ATTACKER
    assert by_subject["Remove me"]["held"] == f"display name claims {ALICE}; sent from {ATTACKER}"
    assert "dmarc=fail" in by_subject["Stop"]["held"]

    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: len(held_events(db)), what="four held events",
                             ok=lambda n: n == 4)  # fmt: skip

    assert {p: s for p, (s, _reason) in states(db).items()} == {
        ALICE: "active", CAROL: "active", DAVE: "active"
    }
    with Session(db) as session:
        for prospect in (ALICE, CAROL, DAVE, ATTACKER):
            assert is_suppressed(session, prospect) is None
        assert session.exec(select(Campaign.state)).one() == "active"
    assert inbound_event_kinds(db) == {"held"}  # no bounce/unsubscribe event for webhooks
    rows = inbound_rows(db)
    assert sorted(row.kind for row in rows) == ["bounce", "bounce", "unsubscribe", "unsubscribe"]
    assert all(row.details["held"] and row.details["actions"] == [] for row in rows)
    review = inbox_page(db, "attention").rows
    assert len(review) == 4 and all(item.held for item in review)
    assert all(any("held for review" in c for c in item.caused) for item in review)
    counted = totals(db)
    assert (counted.sent, counted.bounced, counted.unsubscribed) == (3, 0, 0)

    # a person who reviews one and confirms it makes it act (and count) after all
    [carol_bounce] = [row for row in rows if row.subject == "Undeliverable: Hello"]
    assert carol_bounce.id is not None
    confirmed = reclassify(db, carol_bounce.id, "bounce")
    assert any("bounced" in action for action in confirmed.actions), confirmed
    assert states(db)[CAROL][0] == "bounced"
    assert totals(db).bounced == 1
    assert len(inbox_page(db, "attention").rows) == 3
