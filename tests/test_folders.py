"""Finding Sent and Junk on any server, and a failing Sent copy made visible.

The pure part reads LIST rows as servers send them (Cyrus flags ``\\sent`` in lower case on
"Gesendete Objekte"; Courier names folders "INBOX.Sent"). The real part runs a second
Dovecot of the test mail stack whose Sent folder is the German-named, ``\\Sent``-flagged
"Gesendete Objekte" (Junk is "Junk-E-Mail"): the engine files its copies there, and when
the server refuses the APPEND (a full mailbox) ``status``, ``mailbox list``, ``mailbox
test``, the dashboard and the log say so, and a send in doubt is not sent again on the
guess that a missing copy means a missing send.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from outreach import accounts
from outreach.cli import cli
from outreach.engine.recovery import InDoubtResolver
from outreach.mailbox.account import Account, make_endpoint
from outreach.mailbox.folders import JUNK_NAMES, SENT_NAMES, pick_folder
from outreach.mailbox.sentbox import SentBox, SentFolderMissing
from outreach.secrets import SecretRef, fetch_secret
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Event, Mailbox, Send
from outreach.store.repository import SEND
from outreach.views.status import status
from outreach.views.today import load_dashboard
from tests.fixtures.campaigns import (
    add_mailbox,
    add_prospects,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import (
    MailStack,
    run_script,
    skip_or_fail_without_stack,
    start_stack,
)
from tests.polling import still_running, until
from tests.test_watcher_support import unique_local

GERMAN = {"MAILSTACK_SENT_FOLDER": "Gesendete Objekte", "MAILSTACK_JUNK_FOLDER": "Junk-E-Mail"}

# -- pure: LIST rows ---------------------------------------------------------------------------


def test_special_use_flags_in_any_case() -> None:
    cyrus = [((b"\\HasNoChildren",), b"/", "INBOX"),
             ((b"\\HasNoChildren", b"\\sent"), b"/", "Gesendete Objekte"),
             ((b"\\HasNoChildren", b"\\junk"), b"/", "Spamverdacht")]  # fmt: skip
    assert pick_folder(cyrus, "\\Sent", SENT_NAMES) == (
        "Gesendete Objekte", "flagged \\Sent (SPECIAL-USE)")
    assert pick_folder(cyrus, "\\Junk", JUNK_NAMES)[0] == "Spamverdacht"  # type: ignore[index]


@pytest.mark.parametrize(("names", "sent", "junk"), [
    (["INBOX", "Gesendete Objekte", "Junk-E-Mail"], "Gesendete Objekte", "Junk-E-Mail"),
    (["INBOX", "Gesendete Elemente", "Junk-E-Mail"], "Gesendete Elemente", "Junk-E-Mail"),
    (["INBOX", "Gesendet", "Spam"], "Gesendet", "Spam"),
    (["INBOX", "Sent Items", "Junk E-Mail"], "Sent Items", "Junk E-Mail"),
    (["INBOX", "Sent Messages", "Junk"], "Sent Messages", "Junk"),
    (["INBOX", "INBOX.Sent", "INBOX.spam"], "INBOX.Sent", "INBOX.spam"),
])  # fmt: skip
def test_usual_names_when_nothing_is_flagged(names: list[str], sent: str, junk: str) -> None:
    rows = [((b"\\HasNoChildren",), b"." if "INBOX.Sent" in names else b"/", n) for n in names]
    assert pick_folder(rows, "\\Sent", SENT_NAMES)[0] == sent  # type: ignore[index]
    assert pick_folder(rows, "\\Junk", JUNK_NAMES)[0] == junk  # type: ignore[index]


def test_never_a_folder_that_is_not_there_or_cannot_be_selected() -> None:
    rows = [((b"\\HasNoChildren",), b"/", "INBOX"), ((b"\\Noselect",), b"/", "Sent"),
            ((b"\\HasNoChildren",), b"/", "Archiv")]  # fmt: skip
    assert pick_folder(rows, "\\Sent", SENT_NAMES) is None
    assert pick_folder([], "\\Junk", JUNK_NAMES) is None


def test_a_sentbox_without_a_sent_folder_says_so_instead_of_guessing() -> None:
    account = _account("rep@sales.test", 1, 1)
    box = SentBox(account, lambda: "x", None, "append")
    with pytest.raises(SentFolderMissing, match="Gesendete Objekte"):
        box._folder()


# -- real Dovecot with a German Sent folder -------------------------------------------------


@pytest.fixture(scope="module")
def stack_de() -> Iterator[MailStack]:
    """A second Postfix + Dovecot whose folders are "Gesendete Objekte" and "Junk-E-Mail"."""
    skip_or_fail_without_stack()
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-de-"))
    try:
        yield start_stack(stack_dir, env=GERMAN)
    finally:
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


@pytest.fixture
def trusted(stack_de: MailStack, monkeypatch: pytest.MonkeyPatch, outreach_home: Path) -> MailStack:
    monkeypatch.setenv("SSL_CERT_FILE", str(stack_de.ca_file))
    return stack_de


def _account(address: str, smtp_port: int, imap_port: int) -> Account:
    return Account(address, address, None,
                   make_endpoint("smtp", "127.0.0.1", smtp_port, "starttls"),
                   make_endpoint("imap", "127.0.0.1", imap_port, "tls"), False,
                   SecretRef(address, "command", "printf x"))  # fmt: skip


def campaign_from(stack: MailStack, tmp_path: Path, *, quota: int | None = None) -> tuple[Engine, str]:
    rep = f"{unique_local('rep')}@sales.test"
    stack.add_user(rep, "rep-secret", quota_bytes=quota)
    prospect = f"{unique_local('p')}@prospects.test"
    stack.add_user(prospect, "p-secret")
    db = open_store()
    add_mailbox(db, rep, "rep-secret", stack.host, stack.smtp_port, stack.imaps_port,
                security="starttls")  # fmt: skip
    add_prospects(db, [prospect])
    start_campaign(db, "de", write_sequence(tmp_path / "s.yaml", wait="1h", gap="0s"), [rep])
    return db, rep


def copy_failures(db: Engine) -> list[Event]:
    with Session(db) as session:
        return list(session.exec(select(Event).where(Event.kind == "sent_copy_failed")))


def filed(db: Engine) -> list[bool]:
    with Session(db) as session:
        return [s.appended_to_sent for s in session.exec(select(Send).where(Send.state == "sent"))]


@pytest.mark.mailstack
async def test_copies_go_to_the_german_sent_folder_and_mailbox_test_names_it(
    trusted: MailStack, tmp_path: Path
) -> None:
    db, rep = campaign_from(trusted, tmp_path)
    await run_engine_until(send_engine(db, fast_config()), lambda: filed(db), 30,
                           what="a send filed in Sent", ok=lambda f: f == [True])  # fmt: skip
    [copy] = trusted.wait_for_messages(rep, 1, folder="Gesendete Objekte")
    assert copy["Subject"].startswith("Hello")

    result = await asyncio.to_thread(CliRunner().invoke, cli, ["mailbox", "test", rep])
    assert result.exit_code == 0, result.output
    assert "✓ IMAP Sent folder — Gesendete Objekte (flagged \\Sent (SPECIAL-USE); 1 message)" in (
        result.output)
    with Session(db) as session:
        assert session.exec(select(Mailbox.sent_folder)).one() == "Gesendete Objekte"


@pytest.mark.mailstack
async def test_a_refused_append_is_a_visible_health_warning(
    trusted: MailStack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db, rep = campaign_from(trusted, tmp_path, quota=1)  # every APPEND is over quota
    await run_engine_until(send_engine(db, fast_config()), lambda: copy_failures(db), 30,
                           what="a failed Sent copy noted")  # fmt: skip

    [event] = copy_failures(db)
    assert event.data["folder"] == "Gesendete Objekte"
    assert "quota" in event.data["error"].lower()
    assert filed(db) == [False]  # the mail went out; only the copy is missing
    assert any("could not file" in r.message and "Gesendete Objekte" in r.message
               and r.levelno == logging.ERROR for r in caplog.records)  # fmt: skip

    [health] = status(db)["mailboxes"]
    assert not health["paused"]
    assert "1 sent not filed in Sent — APPEND to 'Gesendete Objekte'" in health["warning"]
    assert "quota" in health["warning"].lower()

    runner = CliRunner()
    as_json = json.loads(runner.invoke(cli, ["status", "--json"]).output)
    assert as_json["mailboxes"][0]["warning"] == health["warning"]
    listed = runner.invoke(cli, ["mailbox", "list"])
    assert "⚠" in listed.output  # in the state column (wrapped to the terminal's width)
    listed_json = json.loads(runner.invoke(cli, ["mailbox", "list", "--json"]).output)
    assert listed_json[0]["sent_copies"]["unfiled"] == 1
    tested = await asyncio.to_thread(runner.invoke, cli, ["mailbox", "test", rep])
    assert tested.exit_code == 1
    assert "✗ IMAP Sent copies — 1 sent not filed in Sent — APPEND to 'Gesendete Objekte'" in (
        tested.output)
    now = datetime.now(UTC)
    [row] = load_dashboard(db, now, ZoneInfo("UTC")).mailboxes
    assert row.warning == health["warning"]

    # A crash between the server's acceptance and our record leaves a send in doubt. Its
    # copy is missing from Sent, but so are all our copies there: it is not sent again.
    with Session(db) as session:
        mailbox = session.exec(select(Mailbox)).one()
        first = session.exec(select(Send).where(Send.state == "sent")).one()
    second = await second_send_in_doubt(db, first)
    account = accounts.account_of(mailbox)
    box = SentBox(account, lambda: fetch_secret(account.secret), None, "append")
    resolver = InDoubtResolver(db, mailbox.id or 0, box, lambda kind, data: None)
    try:
        assert await resolver.resolve()
    finally:
        box.close()
    assert box.sent_folder == "Gesendete Objekte"
    assert resolver.undecided == {second}
    with Session(db) as session:
        assert session.exec(select(Send.state).where(Send.message_id == second)).one() == "sending"
    [health] = status(db)["mailboxes"]
    assert health["sent_copies"]["in_doubt"] == 1 and "1 send in doubt" in health["warning"]


async def second_send_in_doubt(db: Engine, first: Send) -> str:
    """The queued next step, as a crash in its SMTP transaction leaves it: ``sending``."""
    with db.begin() as conn:
        row = conn.execute(
            select(SEND.c.id, SEND.c.message_id).where(
                SEND.c.enrollment_id == first.enrollment_id, SEND.c.step_index == 1
            )
        ).one()
        conn.execute(
            update(SEND).where(SEND.c.id == row.id)
            .values(state="sending", attempts=1, last_attempt_at=first.last_attempt_at)
        )  # fmt: skip
    return str(row.message_id)


@pytest.mark.mailstack
async def test_copies_are_filed_once_the_server_takes_them_again(
    trusted: MailStack, tmp_path: Path
) -> None:
    db, rep = campaign_from(trusted, tmp_path, quota=1)
    engine = send_engine(db, fast_config(sent_copy_retry=timedelta(0)))
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: copy_failures(db), 30, what="a failed Sent copy noted",
                    guard=still_running(task))  # fmt: skip
        assert status(db)["mailboxes"][0]["warning"] is not None
        trusted.add_user(rep, "rep-secret", quota_bytes=10_000_000)  # room in the mailbox now
        await until(lambda: filed(db), 30, what="the copy filed on a later try",
                    ok=lambda f: f == [True], guard=still_running(task))  # fmt: skip
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)
    assert status(db)["mailboxes"][0]["warning"] is None
    [copy] = trusted.wait_for_messages(rep, 1, folder="Gesendete Objekte")
    assert copy["Subject"].startswith("Hello")
