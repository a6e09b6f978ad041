"""``plus`` Sent-copy mode with a Sent folder whose name cannot be part of an address.

``plus`` adds ``user+<Sent>@domain`` as a hidden envelope recipient and the server
(Dovecot's ``lmtp_save_to_detail_mailbox``) files the copy. A Sent folder named "Sent
Items" (Exchange/M365, many Dovecot setups) or "Gesendete Objekte" cannot stand in an
address: aiosmtplib refused it before RCPT and every send was deferred forever.

- Pure: :func:`plus_address` on real folder names, and the property that every address it
  gives passes aiosmtplib's own check unchanged (so the send can never die on it again).
- Real stack: a second Postfix + Dovecot whose ``\\Sent``-flagged folder is "Sent Items"
  (the stack script's ``MAILSTACK_SENT_FOLDER``, as ``test_folders`` does for German): the
  copy is APPENDed by us, once, nothing is deferred, and the read model warns. Control: the
  session stack's "Sent" in plus mode is filed by the server (Dovecot's LMTP log says so)
  and we APPEND nothing.
- CLI: ``mailbox edit --sent-copy plus`` refuses a stored Sent folder it cannot address.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtplib.email import quote_address
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session, select

from outreach import accounts
from outreach.addresses import plus_address
from outreach.cli import cli
from outreach.mailbox.account import make_endpoint
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Event, Mailbox, Send
from outreach.views.status import status
from tests.fixtures.campaigns import (
    add_prospects,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)
from tests.fixtures.mailstack import MailStack, run_script, skip_or_fail_without_stack, start_stack
from tests.test_watcher_support import unique_local

REP = "rep@sales.test"

# -- pure: plus_address on real folder names ----------------------------------------------------


@pytest.mark.parametrize(("folder", "expected"), [
    ("Sent", "rep+Sent@sales.test"),
    ("INBOX.Sent", "rep+INBOX.Sent@sales.test"),  # Courier, Dovecot with separator "."
    ("INBOX/Sent", "rep+INBOX/Sent@sales.test"),  # Cyrus with unixhierarchysep, Dovecot "/"
    ("Gesendet", "rep+Gesendet@sales.test"),
    ("Sent Messages", None),  # Apple Mail / iCloud
    ("Sent Items", None),  # Exchange, Microsoft 365
    ("Gesendete Objekte", None),  # Outlook, German
    ("Gesendete Elemente", None),  # Microsoft 365, German
    ("Éléments envoyés", None),  # Outlook, French
    ("Envoyés", None),  # non-ASCII alone: would need SMTPUTF8
    ("Posta inviata", None),  # Outlook, Italian
    ('Sent "old"', None),
    ("Sent\\Old", None),
])  # fmt: skip
def test_plus_address_of_real_folder_names(folder: str, expected: str | None) -> None:
    assert plus_address(REP, folder) == expected


SENT_FOLDERS = (
    # English: Dovecot/Courier/Cyrus defaults, Thunderbird, Apple Mail, Outlook, Gmail
    "Sent", "Sent Items", "Sent Messages", "Sent Mail", "Sent-Mail", "sent-mail",
    "INBOX.Sent", "INBOX/Sent", "INBOX.Sent Items", "INBOX.Sent Messages", "user.rep.Sent",
    "[Gmail]/Sent Mail", "[Google Mail]/Sent Mail",
    # German
    "Gesendet", "Gesendete Objekte", "Gesendete Elemente", "Gesendete Nachrichten",
    "[Gmail]/Gesendet", "INBOX.Gesendet",
    # French, Italian, Spanish, Portuguese
    "Envoyés", "Éléments envoyés", "Messages envoyés", "[Gmail]/Messages envoyés",
    "Posta inviata", "Inviati", "Elementi inviati",
    "Enviados", "Elementos enviados", "Correo enviado", "Itens enviados", "Enviadas",
    # Dutch, Scandinavian, Polish, Czech, Finnish, Turkish
    "Verzonden", "Verzonden items", "Verzonden berichten", "Skickat", "Skickade objekt",
    "Sendt", "Sendte elementer", "Sendt post", "Wysłane", "Elementy wysłane",
    "Odeslaná pošta", "Lähetetyt", "Gönderilmiş Öğeler",
    # Cyrillic, Japanese, Chinese
    "Отправленные", "送信済みアイテム", "已发送", "寄件備份",
    # names a rep or an admin made up
    'Sent "old"', "Sent\\2024", "Sent.", "Sent..Old", "Sent (2023)", "Sent;x", "Sent<x>",
    "Sent,Items", "Sent\tItems", "Sent@Home", "Sent%", "Sent&Co", "Sent_2024", "Sent~",
)  # fmt: skip
DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@pytest.mark.parametrize("folder", SENT_FOLDERS)
def test_every_plus_address_passes_aiosmtplib_unchanged(folder: str) -> None:
    """What :func:`plus_address` gives goes on the wire as it is (aiosmtplib neither
    refuses it nor rewrites it: ``rep+a"b@x`` would silently become ``<rep+a>``); and a
    folder whose name is a plain dot-atom always gets its address (plus is not refused
    where it works)."""
    address = plus_address(REP, folder)
    if address is not None:
        assert address == f"rep+{folder}@sales.test"
        assert quote_address(address) == f"<{address}>"
    if DOT_ATOM.fullmatch(folder):
        assert address is not None, folder


def test_the_folder_list_has_both_kinds() -> None:
    """The property above is not vacuous: the list holds both addressable folders and
    folders whose raw plus address aiosmtplib refuses or rewrites."""
    addressable = [f for f in SENT_FOLDERS if plus_address(REP, f) is not None]
    unusable = [f for f in SENT_FOLDERS if plus_address(REP, f) is None]
    assert len(addressable) >= 10 and len(unusable) >= 25

    def wire_breaks(raw: str) -> bool:
        try:
            return quote_address(raw) != f"<{raw}>"
        except ValueError:
            return True

    assert sum(wire_breaks(f"rep+{f}@sales.test") for f in unusable) >= 20


# -- the real stack ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack_items() -> Iterator[MailStack]:
    """A second Postfix + Dovecot whose ``\\Sent``-flagged folder is "Sent Items"."""
    skip_or_fail_without_stack()
    stack_dir = Path(tempfile.mkdtemp(prefix="mailstack-items-"))
    try:
        yield start_stack(stack_dir, env={"MAILSTACK_SENT_FOLDER": "Sent Items"})
    finally:
        run_script("down", str(stack_dir))
        shutil.rmtree(stack_dir, ignore_errors=True)


def plus_campaign(stack: MailStack, tmp_path: Path) -> tuple[Engine, str, str]:
    """A fresh rep in ``plus`` mode whose Sent folder ``mailbox test`` found and stored, a
    fresh prospect and a one-step campaign. Returns the database, the rep, the prospect."""
    rep = f"{unique_local('rep')}@sales.test"
    prospect = f"{unique_local('p')}@prospects.test"
    stack.add_user(rep, "rep-secret")
    stack.add_user(prospect, "p-secret")
    db = open_store()
    new = accounts.NewMailbox(
        email=rep,
        smtp=make_endpoint("smtp", stack.host, stack.smtp_port, "starttls"),
        imap=make_endpoint("imap", stack.host, stack.imaps_port, "tls"),
        display_name="Rep Example", daily_cap=1000, sent_copy="plus",
    )  # fmt: skip
    accounts.add_mailbox(db, new, "rep-secret")
    add_prospects(db, [prospect])
    start_campaign(db, "plus", write_sequence(tmp_path / "s.yaml", steps=1, gap="0s"), [rep])
    return db, rep, prospect


def the_send(db: Engine) -> Send:
    with Session(db) as session:
        return session.exec(select(Send)).one()


def message_ids(stack: MailStack, address: str, folder: str) -> Counter[str]:
    """Each Message-ID in ``folder`` and how often it is there."""
    with stack.imap_client(address, stack.password_of(address)) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).values()
    return Counter(data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                   for data in fetched)  # fmt: skip


def lmtp_saves(stack: MailStack, message_id: str) -> list[str]:
    """Dovecot LMTP's "saved mail to <folder>" lines for this message (server filing)."""
    lines = stack.maillog().splitlines()
    return [line.split("saved mail to ", 1)[1] for line in lines
            if f"msgid={message_id}" in line and "saved mail to " in line]  # fmt: skip


async def mailbox_test(rep: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["mailbox", "test", rep])
    return result.exit_code, result.output


@pytest.mark.mailstack
async def test_sent_items_in_plus_mode_is_appended_once_and_warned(
    stack_items: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outreach_home: Path,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(stack_items.ca_file))
    db, rep, prospect = plus_campaign(stack_items, tmp_path)
    code, output = await mailbox_test(rep)  # finds and stores the \Sent folder, as a rep does
    assert "✓ IMAP Sent folder — Sent Items (flagged \\Sent (SPECIAL-USE)" in output, output
    assert ("✗ IMAP Sent copies — plus mode cannot address the Sent folder 'Sent Items': "
            "copies are APPENDed instead") in output  # fmt: skip
    assert code == 1

    await run_engine_until(send_engine(db, fast_config()), lambda: the_send(db).appended_to_sent,
                           20, what="the send, its copy APPENDed to Sent Items")  # fmt: skip

    send = the_send(db)
    assert (send.state, send.attempts) == ("sent", 1)  # never deferred
    with Session(db) as session:
        kinds = [e.kind for e in session.exec(select(Event))]
    assert "deferred" not in kinds and "sent_copy_failed" not in kinds
    [received] = stack_items.wait_for_messages(prospect, 1)
    [copy] = stack_items.wait_for_messages(rep, 1, folder="Sent Items")
    assert received["Message-ID"] == copy["Message-ID"] == send.message_id
    assert message_ids(stack_items, prospect, "INBOX") == {send.message_id: 1}
    assert message_ids(stack_items, rep, "Sent Items") == {send.message_id: 1}
    assert send.message_id not in message_ids(stack_items, rep, "INBOX")
    # Only the prospect's delivery went through LMTP: the copy came by our APPEND.
    assert lmtp_saves(stack_items, send.message_id) == ["INBOX"]

    [health] = status(db)["mailboxes"]
    assert health["sent_copies"]["plus_unusable"] == "Sent Items"
    assert health["sent_copies"]["unfiled"] == 0
    assert health["warning"] == ("plus mode cannot address the Sent folder 'Sent Items': copies "
                                 "are APPENDed instead (choose --sent-copy append or server)")
    as_json = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
    [mailbox] = as_json["mailboxes"]
    assert mailbox["sent_copies"]["plus_unusable"] == "Sent Items"
    assert mailbox["warning"] == health["warning"]


@pytest.mark.mailstack
async def test_an_unknown_sent_folder_is_looked_up_not_guessed(
    stack_items: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outreach_home: Path,
) -> None:
    """No ``mailbox test`` since ``mailbox add``: the folder is not stored. The guess
    ``rep+Sent@`` put the copy in the rep's INBOX (Dovecot has no "Sent" there); the
    engine looks the folder up first and APPENDs to "Sent Items"."""
    monkeypatch.setenv("SSL_CERT_FILE", str(stack_items.ca_file))
    db, rep, prospect = plus_campaign(stack_items, tmp_path)
    await run_engine_until(send_engine(db, fast_config()), lambda: the_send(db).appended_to_sent,
                           20, what="the send, its copy APPENDed to Sent Items")  # fmt: skip
    send = the_send(db)
    [received] = stack_items.wait_for_messages(prospect, 1)
    assert received["Message-ID"] == send.message_id
    assert message_ids(stack_items, rep, "Sent Items") == {send.message_id: 1}
    assert send.message_id not in message_ids(stack_items, rep, "INBOX")
    assert lmtp_saves(stack_items, send.message_id) == ["INBOX"]  # the prospect's only


@pytest.mark.mailstack
async def test_sent_in_plus_mode_is_filed_by_the_server_not_by_us(
    mailstack: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outreach_home: Path,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(mailstack.ca_file))
    db, rep, prospect = plus_campaign(mailstack, tmp_path)
    code, output = await mailbox_test(rep)
    assert code == 0, output
    assert "Sent copies" not in output
    with Session(db) as session:
        assert session.exec(select(Mailbox.sent_folder)).one() == "Sent"

    await run_engine_until(send_engine(db, fast_config()), lambda: the_send(db).state, 20,
                           what="the send", ok=lambda state: state == "sent")  # fmt: skip
    send = the_send(db)
    [received] = mailstack.wait_for_messages(prospect, 1)
    [copy] = mailstack.wait_for_messages(rep, 1, folder="Sent")
    assert received["Message-ID"] == copy["Message-ID"] == send.message_id
    assert message_ids(mailstack, rep, "Sent") == {send.message_id: 1}
    assert (send.attempts, send.appended_to_sent) == (1, False)  # we did not APPEND
    assert sorted(lmtp_saves(mailstack, send.message_id)) == ["INBOX", "Sent"]
    [health] = status(db)["mailboxes"]
    assert health["sent_copies"]["plus_unusable"] is None and health["warning"] is None


# -- CLI: mailbox edit --sent-copy plus ---------------------------------------------------------


def stored_mailbox(email: str, sent_folder: str) -> Engine:
    db = open_store()
    new = accounts.NewMailbox(
        email=email,
        smtp=make_endpoint("smtp", "127.0.0.1", 587, "starttls"),
        imap=make_endpoint("imap", "127.0.0.1", 993, "tls"),
        sent_copy="append",
    )
    accounts.add_mailbox(db, new, "secret")
    accounts.set_sent_folder(db, email, sent_folder)
    return db


def mailbox_row(db: Engine, email: str) -> dict[str, object]:
    with Session(db) as session:
        return session.exec(select(Mailbox).where(Mailbox.email == email)).one().model_dump()


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("--sent-copy plus cannot file copies in 'Sent Items': the folder's name cannot be "
            "part of an address", "keep --sent-copy append")),
    ("de", ("--sent-copy plus kann keine Kopien in 'Sent Items' ablegen: Der Name des Ordners "
            "kann nicht Teil einer Adresse sein", "behalten Sie --sent-copy append")),
])  # fmt: skip
def test_edit_to_plus_refuses_a_sent_folder_it_cannot_address(
    outreach_home: Path, lang: str, words: tuple[str, str]
) -> None:
    db = stored_mailbox("rep@sales.test", "Sent Items")
    before = mailbox_row(db, "rep@sales.test")
    result = CliRunner().invoke(
        cli, ["--lang", lang, "mailbox", "edit", "rep@sales.test", "--sent-copy", "plus"])
    assert result.exit_code != 0
    output = " ".join(result.output.split())  # the console wraps long lines
    for text in words:
        assert text in output, result.output
    assert mailbox_row(db, "rep@sales.test") == before


def test_edit_to_plus_is_taken_for_a_sent_folder_it_can_address(outreach_home: Path) -> None:
    db = stored_mailbox("rep@sales.test", "INBOX.Sent")
    result = CliRunner().invoke(cli, ["mailbox", "edit", "rep@sales.test", "--sent-copy", "plus"])
    assert result.exit_code == 0, result.output
    assert mailbox_row(db, "rep@sales.test")["append_to_sent"] == "plus"
