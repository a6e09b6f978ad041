"""Dovecot Pigeonhole Sieve on the prospect's side of the real stack: ``reject``.

The prospect's mailbox runs a Sieve script in LMTP; its answer (an RFC 8098 disposition
notification) goes back through Postfix to the rep's INBOX, where the watcher reads it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from outreach.prospects.suppression import is_suppressed
from outreach.services import inbox_watcher
from outreach.store import open_store
from outreach.store.models import Event
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import MailStack
from tests.polling import until
from tests.test_watcher_support import (
    Services,
    enrollment_of,
    fast_watcher_config,
    inbound_rows,
    sends_to,
    states,
    unique_local,
)

pytestmark = pytest.mark.mailstack

REJECT = 'require ["reject"];\nreject "Ich moechte keine Werbung erhalten.";\n'


def fresh_prospect(mailstack: MailStack, script: str | None) -> str:
    address = f"{unique_local('p')}@prospects.test"
    mailstack.add_user(address, "p-secret")
    mailstack.set_sieve(address, script)
    return address


def stack_campaign(
    mailstack: MailStack, tmp_path: Path, prospects: list[str], sequence: Path | None = None
) -> tuple[Engine, str]:
    rep = f"{unique_local('rep')}@sales.test"
    mailstack.add_user(rep, "rep-secret")
    db = open_store()
    add_mailbox(db, rep, "rep-secret", mailstack.host, mailstack.smtp_port,
                mailstack.imaps_port, security="starttls", insecure=True)  # fmt: skip
    add_prospects(db, prospects)
    path = sequence or write_sequence(tmp_path / "s.yaml", wait="3s", gap="0s")
    start_campaign(db, "c", path, [rep])
    return db, rep


def events_of(db: Engine, kind: str) -> list[Event]:
    from sqlmodel import select

    with Session(db) as session:
        return list(session.exec(select(Event).where(Event.kind == kind)))


async def test_sieve_reject_ends_the_person_as_refused_and_suppresses(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    refuser = fresh_prospect(mailstack, REJECT)
    db, _rep = stack_campaign(mailstack, tmp_path, [refuser])
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: states(db)[refuser][0], what=f"{refuser} refused",
                             ok=lambda state: state != "active")  # fmt: skip

    state, reason = states(db)[refuser]
    assert state == "unsubscribed"
    assert reason is not None and reason.startswith("refused")
    assert "keine Werbung" in reason
    assert len(sends_to(db, refuser)) == 1  # the follow-ups never went out
    [row] = inbound_rows(db)
    assert (row.kind, row.details["reasons"], row.details["via"]) == ("bounce", ["refused"], "original")
    [event] = events_of(db, "bounce")
    assert (event.data["hard"], event.data["final"]) == (True, True)
    with Session(db) as session:
        entry = is_suppressed(session, refuser)
    assert entry is not None and entry.reason == "unsubscribe"
    assert "reject action: rejected message" in mailstack.maillog()


# -- vacation and the List-Unsubscribe header -----------------------------------------------


def vacation_script(back: date) -> str:
    return (
        'require ["vacation"];\n'
        'vacation :days 1 :subject "Abwesenheitsnotiz" '
        f'"Ich bin bis zum {back:%d.%m.%Y} nicht im Büro und lese keine E-Mails.";\n'
    )


def vacation_sequence(tmp_path: Path, header: bool) -> Path:
    path = write_sequence(tmp_path / "s.yaml", wait="1h", gap="0s", auto="pause")
    if header:
        path.write_text(path.read_text() + "unsubscribe_header: true\n")
    return path


async def test_without_list_unsubscribe_a_sieve_vacation_answers_and_pauses(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    back = date.today() + timedelta(days=10)
    away = fresh_prospect(mailstack, vacation_script(back))
    db, _rep = stack_campaign(mailstack, tmp_path, [away], vacation_sequence(tmp_path, False))
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: states(db)[away][0], what=f"{away} paused",
                             ok=lambda state: state == "paused")  # fmt: skip

    [row] = inbound_rows(db)
    assert (row.kind, row.details["return_date"]) == ("auto_reply", back.isoformat())
    resume_at = enrollment_of(db, away).resume_at
    assert resume_at is not None and resume_at.date() >= back


async def test_with_list_unsubscribe_a_sieve_vacation_stays_silent(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    away = fresh_prospect(mailstack, vacation_script(date.today() + timedelta(days=10)))
    db, _rep = stack_campaign(mailstack, tmp_path, [away], vacation_sequence(tmp_path, True))
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: sends_to(db, away), what=f"the first step to {away}")
        [copy] = mailstack.wait_for_messages(away, 1)
        assert copy["List-Unsubscribe"] is not None
        await until(lambda: discarded_for(mailstack, away), 15, what="Pigeonhole discarding")

    assert states(db)[away] == ("active", None)
    assert inbound_rows(db) == []


def discarded_for(mailstack: MailStack, address: str) -> bool:
    """Pigeonhole logged that it discarded the vacation answer to list mail for ``address``."""
    return any(
        address in line and "vacation" in line and "mailing" in line.lower()
        for line in mailstack.maillog().splitlines()
    )
