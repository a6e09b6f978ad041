"""OAuth2 mailboxes (SASL XOAUTH2) against the sandbox, which checks the exchange itself.

The token command reads a token file outside OUTREACH_HOME: the command is configuration
and is stored in the database, so a literal token in it would land there.
"""

from __future__ import annotations

import base64
import imaplib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import aiosmtplib
import pytest
from click.testing import CliRunner, Result

from outreach import accounts
from outreach.cli import cli
from outreach.mailbox.account import make_endpoint
from outreach.sandbox import Sandbox
from outreach.sandbox.xoauth2 import ERROR_CHALLENGE
from outreach.services import send_engine
from outreach.store import open_store
from tests.fixtures.campaigns import (
    add_prospects,
    count_sends,
    fast_config,
    run_engine_until,
    start_campaign,
    write_sequence,
)

OAUTH_REP = "lena.maier@oauth.example"
TOKEN = "ya29.a0-sandbox-access-token-1"
REFRESHED = "ya29.a0-sandbox-access-token-2"
PROSPECTS = ["p0@prospects.example", "p1@prospects.example"]


@pytest.fixture
def oauth_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as started:
        started.add_oauth_user(OAUTH_REP, TOKEN)
        yield started


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    """Where the token command reads the token, as a token cache would hold it."""
    path = tmp_path / "token-cache" / "access-token"
    path.parent.mkdir()
    path.write_text(TOKEN)
    return path


def xoauth2(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


# -- outreach mailbox add / test ---------------------------------------------------------


def add_oauth_mailbox(sandbox: Sandbox, token_file: Path) -> Result:
    ep = sandbox.endpoints
    args = ["mailbox", "add", OAUTH_REP, "--name", "Lena Maier"]
    args += ["--smtp-host", ep.host, "--smtp-port", str(ep.smtp_port), "--smtp-security", "none"]
    args += ["--imap-host", ep.host, "--imap-port", str(ep.imap_port), "--imap-security", "none"]
    args += ["--oauth2-token-command", f"cat '{token_file}'"]
    return CliRunner().invoke(cli, args)


def mailbox_test() -> Result:
    return CliRunner().invoke(cli, ["mailbox", "test", OAUTH_REP])


def assert_no_token_under(home: Path, *tokens: str) -> None:
    for path in home.rglob("*"):
        if path.is_file():
            for token in tokens:
                assert token.encode() not in path.read_bytes(), path


def test_mailbox_test_logs_in_with_xoauth2_on_smtp_and_imap(
    oauth_sandbox: Sandbox, outreach_home: Path, token_file: Path
) -> None:
    added = add_oauth_mailbox(oauth_sandbox, token_file)
    assert added.exit_code == 0, added.output
    assert "secret: oauth2_command" in added.output

    result = mailbox_test()

    assert result.exit_code == 0, result.output
    assert "✓ SECRET from token command" in result.output
    assert f"✓ SMTP XOAUTH2 — as {OAUTH_REP}" in result.output
    assert f"✓ IMAP LOGIN — as {OAUTH_REP}" in result.output
    assert "✓ IMAP Sent folder — Sent" in result.output
    assert TOKEN not in added.output + result.output
    assert_no_token_under(outreach_home, TOKEN)


def test_a_stale_token_is_refused_with_the_servers_words_until_the_command_refreshes(
    oauth_sandbox: Sandbox, outreach_home: Path, token_file: Path
) -> None:
    assert add_oauth_mailbox(oauth_sandbox, token_file).exit_code == 0
    oauth_sandbox.add_oauth_user(OAUTH_REP, REFRESHED)  # the server moved on; the cache did not

    stale = mailbox_test()

    assert stale.exit_code == 1, stale.output
    token_refused = "the OAuth2 access token was not accepted (expired, or for another account)"
    assert (f"✗ SMTP XOAUTH2 — {token_refused}: the server said “Username and access token not "
            "accepted" in stale.output), stale.output
    assert "(535 5.7.8)" in stale.output
    assert (f"✗ IMAP LOGIN — {token_refused}: the server said “Invalid credentials"
            in stale.output)
    assert "(AUTHENTICATIONFAILED)" in stale.output and "--password-stdin" not in stale.output
    token_file.write_text(REFRESHED + "\n")  # the token tool refreshed its cache

    fresh = mailbox_test()  # the command runs again at each connection

    assert fresh.exit_code == 0, fresh.output
    assert "✓ SMTP XOAUTH2" in fresh.output
    assert "✓ IMAP LOGIN" in fresh.output
    assert TOKEN not in stale.output + fresh.output
    assert REFRESHED not in stale.output + fresh.output
    assert_no_token_under(outreach_home, TOKEN, REFRESHED)


def test_mailbox_test_with_starttls_and_implicit_tls_like_m365(
    outreach_home: Path, token_file: Path
) -> None:
    with Sandbox(tls=True) as sandbox:
        sandbox.add_oauth_user(OAUTH_REP, TOKEN)
        ep = sandbox.endpoints
        args = ["mailbox", "add", OAUTH_REP, "--insecure-skip-verify"]
        args += ["--smtp-host", ep.host, "--smtp-port", str(ep.smtp_port)]
        args += ["--smtp-security", "starttls"]
        args += ["--imap-host", ep.host, "--imap-port", str(ep.imaps_port)]
        args += ["--imap-security", "tls"]
        args += ["--oauth2-token-command", f"cat '{token_file}'"]
        assert CliRunner().invoke(cli, args).exit_code == 0

        result = mailbox_test()

    assert result.exit_code == 0, result.output
    assert "✓ SMTP STARTTLS" in result.output
    assert "✓ SMTP XOAUTH2" in result.output
    assert "✓ IMAP LOGIN" in result.output


# -- the engine ------------------------------------------------------------------------


async def test_engine_sends_a_campaign_through_an_xoauth2_mailbox(
    oauth_sandbox: Sandbox, outreach_home: Path, tmp_path: Path, token_file: Path
) -> None:
    for address in PROSPECTS:
        oauth_sandbox.add_user(address, "x")
    db = open_store()
    ep = oauth_sandbox.endpoints
    new = accounts.NewMailbox(
        email=OAUTH_REP,
        smtp=make_endpoint("smtp", ep.host, ep.smtp_port, "none"),
        imap=make_endpoint("imap", ep.host, ep.imap_port, "none"),
        display_name="Lena Maier",
        daily_cap=1000,
        oauth2_token_command=f"cat '{token_file}'",
    )
    accounts.add_mailbox(db, new, None)
    add_prospects(db, PROSPECTS)
    sequence = write_sequence(tmp_path / "s.yaml", gap="0s-1s", steps=1)
    start_campaign(db, "oauth", sequence, [OAUTH_REP])

    engine = send_engine(db, fast_config())
    await run_engine_until(engine, lambda: count_sends(db), 30, what=f"{len(PROSPECTS)} sends",
                           ok=lambda n: n == len(PROSPECTS))

    for n, address in enumerate(PROSPECTS):
        [received] = await oauth_sandbox.wait_for_messages_async(address, 1)
        assert received["Subject"] == "Hello Prospects"
        assert f"Hi P{n}, step one" in received.get_content()
        assert "Lena Maier" in received["From"]
    # Sent copies are appended over IMAP, also logged in with XOAUTH2.
    sent = await oauth_sandbox.wait_for_messages_async(OAUTH_REP, len(PROSPECTS), "Sent")
    assert {m["To"].addresses[0].addr_spec for m in sent} == set(PROSPECTS)
    assert_no_token_under(outreach_home, TOKEN)


# -- the sandbox checks the XOAUTH2 exchange: SMTP ---------------------------------------


async def smtp_exchange(sandbox: Sandbox, *lines: bytes) -> list[aiosmtplib.SMTPResponse]:
    """Send ``AUTH XOAUTH2`` and follow-up lines verbatim; the server's answers, in order."""
    ep = sandbox.endpoints
    client = aiosmtplib.SMTP(hostname=ep.host, port=ep.smtp_port, start_tls=False)
    await client.connect()
    try:
        await client.ehlo()
        answers = [await client.execute_command(*lines[0].split(b" "))]
        for line in lines[1:]:
            answers.append(await client.execute_command(line))
        return answers
    finally:
        client.close()


def b64(raw: bytes) -> bytes:
    return base64.b64encode(raw)


async def test_smtp_advertises_xoauth2_and_accepts_the_token(oauth_sandbox: Sandbox) -> None:
    ep = oauth_sandbox.endpoints
    client = aiosmtplib.SMTP(hostname=ep.host, port=ep.smtp_port, start_tls=False)
    async with client:
        await client.ehlo()
        assert "XOAUTH2" in client.esmtp_extensions["auth"].split()
        answer = await client.auth_xoauth2(OAUTH_REP.upper(), TOKEN)
        assert answer.code == 235
        await client.sendmail(OAUTH_REP, ["someone@outside.example"], b"Subject: hi\r\n\r\nx\r\n")


async def test_smtp_initial_response_may_follow_an_empty_challenge(
    oauth_sandbox: Sandbox,
) -> None:
    challenge, done = await smtp_exchange(
        oauth_sandbox, b"AUTH XOAUTH2", b64(xoauth2(OAUTH_REP, TOKEN))
    )
    assert (challenge.code, challenge.message) == (334, "")
    assert done.code == 235


async def test_smtp_wrong_token_gets_googles_error_challenge_then_535(
    oauth_sandbox: Sandbox,
) -> None:
    challenge, refusal = await smtp_exchange(
        oauth_sandbox, b"AUTH XOAUTH2 " + b64(xoauth2(OAUTH_REP, "expired")), b""
    )
    assert challenge.code == 334
    error = json.loads(base64.b64decode(challenge.message))
    assert error == json.loads(ERROR_CHALLENGE)
    assert error["status"] == "401"
    assert refusal.code == 535
    assert refusal.message.startswith("5.7.8")


async def test_smtp_token_is_bound_to_its_user(oauth_sandbox: Sandbox) -> None:
    oauth_sandbox.add_oauth_user("other@oauth.example", "other-token")
    challenge, refusal = await smtp_exchange(
        oauth_sandbox, b"AUTH XOAUTH2 " + b64(xoauth2("other@oauth.example", TOKEN)), b""
    )
    assert (challenge.code, refusal.code) == (334, 535)


@pytest.mark.parametrize(
    "raw",
    [
        f"user={OAUTH_REP}\x01auth=Basic {TOKEN}\x01\x01".encode(),  # not a bearer token
        f"auth=Bearer {TOKEN}\x01\x01".encode(),  # no user= part
        f"user={OAUTH_REP}\x01auth=Bearer {TOKEN}".encode(),  # no ^A^A terminator
        f"user={OAUTH_REP} auth=Bearer {TOKEN}".encode(),  # spaces instead of ^A
    ],
    ids=["basic", "no-user", "no-terminator", "no-separators"],
)
async def test_smtp_refuses_a_malformed_xoauth2_response(
    oauth_sandbox: Sandbox, raw: bytes
) -> None:
    [answer] = await smtp_exchange(oauth_sandbox, b"AUTH XOAUTH2 " + b64(raw))
    assert answer.code == 501
    assert "Malformed XOAUTH2" in answer.message


async def test_smtp_refuses_xoauth2_that_is_not_base64(oauth_sandbox: Sandbox) -> None:
    [answer] = await smtp_exchange(oauth_sandbox, b"AUTH XOAUTH2 not*base64")
    assert answer.code == 501


async def test_smtp_revoked_token_is_refused(oauth_sandbox: Sandbox) -> None:
    oauth_sandbox.revoke_token(OAUTH_REP)
    ep = oauth_sandbox.endpoints
    client = aiosmtplib.SMTP(hostname=ep.host, port=ep.smtp_port, start_tls=False)
    async with client:
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await client.auth_xoauth2(OAUTH_REP, TOKEN)
    assert refused.value.code == 535


# -- the sandbox checks the XOAUTH2 exchange: IMAP ---------------------------------------


def imap_authenticate(
    sandbox: Sandbox, answer: Callable[[bytes], bytes]
) -> tuple[str, list[bytes]]:
    """AUTHENTICATE XOAUTH2 with the stdlib client; its result and the challenges it saw."""
    challenges: list[bytes] = []

    def respond(challenge: bytes) -> bytes:
        challenges.append(challenge)
        return answer(challenge)

    ep = sandbox.endpoints
    client = imaplib.IMAP4(ep.host, ep.imap_port, timeout=5)
    try:
        typ, _ = client.authenticate("XOAUTH2", respond)
        return typ, challenges
    except imaplib.IMAP4.error as exc:
        return str(exc), challenges
    finally:
        client.shutdown()


def test_imap_offers_xoauth2_and_accepts_the_token(oauth_sandbox: Sandbox) -> None:
    typ, challenges = imap_authenticate(oauth_sandbox, lambda _: xoauth2(OAUTH_REP, TOKEN))
    assert typ == "OK"
    assert challenges == [b""]


def test_imap_wrong_token_gets_googles_error_challenge_then_no(oauth_sandbox: Sandbox) -> None:
    answers = iter([xoauth2(OAUTH_REP, "expired"), b""])
    error, challenges = imap_authenticate(oauth_sandbox, lambda _: next(answers))
    assert challenges == [b"", ERROR_CHALLENGE]
    assert "AUTHENTICATIONFAILED" in error


@pytest.mark.parametrize(
    "raw",
    [
        f"user={OAUTH_REP}\x01auth=Basic {TOKEN}\x01\x01".encode(),
        f"auth=Bearer {TOKEN}\x01\x01".encode(),
        f"user={OAUTH_REP}\x01auth=Bearer {TOKEN}".encode(),
    ],
    ids=["basic", "no-user", "no-terminator"],
)
def test_imap_refuses_a_malformed_xoauth2_response(oauth_sandbox: Sandbox, raw: bytes) -> None:
    error, _ = imap_authenticate(oauth_sandbox, lambda _: raw)
    assert "Invalid auth response" in error


def test_imap_token_is_no_password(oauth_sandbox: Sandbox) -> None:
    ep = oauth_sandbox.endpoints
    client = imaplib.IMAP4(ep.host, ep.imap_port, timeout=5)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(OAUTH_REP, TOKEN)
    finally:
        client.shutdown()


def test_password_users_are_unaffected(oauth_sandbox: Sandbox) -> None:
    oauth_sandbox.add_user("pw@oauth.example", "pw-secret")
    ep = oauth_sandbox.endpoints
    client = imaplib.IMAP4(ep.host, ep.imap_port, timeout=5)
    try:
        assert client.login("pw@oauth.example", "pw-secret")[0] == "OK"
    finally:
        client.shutdown()
    error, _ = imap_authenticate(oauth_sandbox, lambda _: xoauth2("pw@oauth.example", "pw-secret"))
    assert "AUTHENTICATIONFAILED" in error
