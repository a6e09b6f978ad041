"""A non-ASCII local part on the real Postfix: imported only with ``--allow-smtputf8``, sent
with SMTPUTF8 because the server offers it (Postfix at compatibility level 3.6 does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from outreach.cli import cli
from outreach.services import send_engine
from outreach.store import open_store
from outreach.store.models import Prospect, Send
from tests.fixtures.campaigns import add_mailbox, fast_config, run_engine_until, write_sequence
from tests.fixtures.mailstack import MailStack
from tests.test_watcher_support import unique_local

pytestmark = pytest.mark.mailstack


async def test_a_utf8_local_part_goes_out_through_postfix_with_smtputf8(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    async with mailstack.smtp_client() as smtp:  # what the server offers, as EHLO says
        await smtp.ehlo()  # STARTTLS forgot the first EHLO's answer
        offered = smtp.supports_extension("smtputf8")
    assert offered, "the test stack's Postfix offers SMTPUTF8 (compatibility_level 3.6)"
    rep = f"{unique_local('rep')}@sales.test"
    mailstack.add_user(rep, "rep-secret")
    db = open_store()
    add_mailbox(db, rep, "rep-secret", mailstack.host, mailstack.smtp_port, mailstack.imaps_port,
                security="starttls", insecure=True)  # fmt: skip
    person = f"jörg-{unique_local('x')}@prospects.test"
    leads = tmp_path / "leads.csv"
    leads.write_text(f"email,first_name,company\n{person},Jörg,Prospects\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["prospects", "import", str(leads), "--tag", "t"])
    assert "SMTPUTF8" in refused.output and "--allow-smtputf8" in refused.output
    imported = runner.invoke(cli, ["prospects", "import", str(leads), "--tag", "t",
                                   "--allow-smtputf8"])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    sequence = write_sequence(tmp_path / "s.yaml", gap="0s", steps=1)
    for args in (["campaign", "create", "c", "--sequence", str(sequence), "--mailbox", rep,
                  "--tag", "t"], ["campaign", "start", "c", "--no-verify"]):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output

    def settled() -> str | None:
        with Session(db) as session:
            return session.exec(
                select(Send.state).join(Prospect).where(Prospect.email == person)
            ).first()

    state = await run_engine_until(send_engine(db, fast_config()), settled, 30,
                                   what="the send settled", ok=lambda s: s in ("sent", "failed"))  # fmt: skip
    with Session(db) as session:
        send = session.exec(select(Send).join(Prospect).where(Prospect.email == person)).one()
    assert (state, send.smtp_code) == ("sent", 250), send.error
