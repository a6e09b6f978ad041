"""OAuth sign-in against real parts: node-oidc-provider on loopback (device code, PKCE,
refresh tokens, introspection, revocation) and a Postfix + Dovecot whose oauth2 passdb
accepts only tokens that server reports active (tests/fixtures/oidc.py).

Also ``mailbox add --provider microsoft365|google`` (no server needed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets as random_secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosmtplib
import keyring
import pytest
from click.testing import CliRunner
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from sqlalchemy import Engine

from outreach import accounts
from outreach.cli import cli
from outreach.deliverability.signin_check import sign_in_finding
from outreach.errors import SignInRequired
from outreach.mailbox.account import make_endpoint
from outreach.oauth import OAuthClient, grants, tokens
from outreach.oauth.signin import sign_in
from outreach.services import inbox_watcher
from outreach.store import open_store, session_scope
from outreach.store.models import Mailbox
from tests.fixtures.campaigns import add_prospects, fast_config, start_campaign, write_sequence
from tests.fixtures.mailstack import REP2, MailStack
from tests.fixtures.oidc import CLIENT_ID, OidcServer, approve
from tests.polling import still_running, until
from tests.test_watcher_support import (
    Services,
    fast_watcher_config,
    reply_to,
    sends_to,
    states,
    unique_local,
)

ALICE = "alice@prospects.test"
IDP_PASSWORD = "idp-password-of-the-rep"
REPO = Path(__file__).resolve().parents[1]


# -- mailbox add --provider (no server) ----------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "smtp", "imap"),
    [
        ("microsoft365", "smtp.office365.com:587", "outlook.office365.com:993"),
        ("google", "smtp.gmail.com:587", "imap.gmail.com:993"),
    ],
)
def test_add_with_a_provider_stores_its_servers_and_oauth(
    outreach_home: Path, provider: str, smtp: str, imap: str
) -> None:
    args = ["mailbox", "add", "lena@firma.de", "--provider", provider,
            "--oauth-client-id", "X", "--json"]
    added = CliRunner().invoke(cli, args)

    assert added.exit_code == 0, added.output
    saved = json.loads(added.output)
    assert (saved.pop("saved"), saved.pop("autoconfig")) == (True, None)  # no look-up
    listed = json.loads(CliRunner().invoke(cli, ["mailbox", "list", "--json"]).output)
    # the list adds the mailbox's health
    assert (listed[0].pop("sent_copies")["unfiled"], listed[0].pop("warning")) == (0, None)
    assert listed == [saved]
    assert (saved["smtp"], saved["smtp_security"]) == (smtp, "starttls")
    assert (saved["imap"], saved["imap_security"]) == (imap, "tls")
    assert (saved["auth"], saved["secret"], saved["sent_copy"]) == ("oauth2", "oauth2", "server")
    assert saved["oauth"] == {"provider": provider, "client_id": "X", "tenant": None,
                              "issuer": None}


def test_microsoft_tenant_is_stored_and_flags_override_the_hosts(outreach_home: Path) -> None:
    args = ["mailbox", "add", "lena@firma.de", "--provider", "microsoft365", "--json",
            "--oauth-client-id", "11111111-2222-3333-4444-555555555555",
            "--oauth-tenant", "firma.onmicrosoft.com", "--smtp-host", "smtp-legacy.office365.com"]
    saved = json.loads(CliRunner().invoke(cli, args).output)
    assert saved["oauth"]["tenant"] == "firma.onmicrosoft.com"
    assert saved["smtp"] == "smtp-legacy.office365.com:587"
    assert saved["imap"] == "outlook.office365.com:993"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--provider", "google"], "--oauth-client-id is needed"),
        (["--oauth-issuer", "http://login.firma.de", "--oauth-client-id", "X",
          "--smtp-host", "mail.firma.de", "--imap-host", "mail.firma.de"],
         "would send your sign-in in clear text"),
        (["--oauth-issuer", "https://login.firma.de", "--oauth-client-id", "X"],
         "no mail server settings found"),
        (["--provider", "google", "--oauth-client-id", "X", "--oauth-tenant", "t"],
         "--oauth-tenant is only for --provider microsoft365"),
        (["--provider", "google", "--oauth-client-id", "X", "--password-command", "pass x"],
         "give exactly one of"),
    ],
    ids=["no-client-id", "plain-http-issuer", "no-hosts", "tenant-for-google", "two-secrets"],
)
def test_add_refuses_incomplete_oauth_settings(
    outreach_home: Path, args: list[str], complaint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # without hosts the servers are looked up: only ever on loopback, where nobody answers
    monkeypatch.setenv("OUTREACH_DNS", "127.0.0.1:9")
    result = CliRunner().invoke(cli, ["mailbox", "add", "lena@firma.de", *args])
    assert result.exit_code == 2, result.output
    assert complaint in result.output
    assert json.loads(CliRunner().invoke(cli, ["mailbox", "list", "--json"]).output) == []


def test_login_of_a_password_mailbox_says_how_to_add_oauth(outreach_home: Path) -> None:
    CliRunner().invoke(cli, ["mailbox", "add", "pw@firma.de", "--smtp-host", "mail.firma.de",
                             "--imap-host", "mail.firma.de", "--password-command", "pass x"])
    result = CliRunner().invoke(cli, ["mailbox", "login", "pw@firma.de"])
    assert result.exit_code == 2
    assert "does not sign in with OAuth" in result.output


def test_edit_switches_a_password_mailbox_to_oauth_and_forgets_the_password(
    outreach_home: Path,
) -> None:
    add = ["mailbox", "add", "lena@firma.de", "--smtp-host", "smtp.office365.com",
           "--imap-host", "outlook.office365.com", "--password-stdin"]
    assert CliRunner().invoke(cli, add, input="old-password\n").exit_code == 0
    assert keyring.get_password("outreach", "lena@firma.de") == "old-password"

    edited = CliRunner().invoke(cli, ["mailbox", "edit", "lena@firma.de", "--provider",
                                      "microsoft365", "--oauth-client-id", "app-1"])

    assert edited.exit_code == 0, edited.output
    assert "secret: keyring → oauth2" in edited.output
    assert "outreach mailbox login lena@firma.de" in edited.output
    [row] = json.loads(CliRunner().invoke(cli, ["mailbox", "list", "--json"]).output)
    assert row["oauth"] == {"provider": "microsoft365", "client_id": "app-1", "tenant": None,
                            "issuer": None}
    assert row["smtp"] == "smtp.office365.com:587"  # the servers stay as they were
    assert keyring.get_password("outreach", "lena@firma.de") is None


NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def mailbox(secret: str, smtp_host: str = "smtp.office365.com", **oauth: str) -> Mailbox:
    return Mailbox(email="lena@firma.de", username="lena@firma.de", smtp_host=smtp_host,
                   smtp_port=587, imap_host="outlook.office365.com", imap_port=993,
                   secret_source=secret, **oauth)


def test_doctor_warns_for_microsoft_365_on_a_password() -> None:
    for secret in ("keyring", "command"):
        finding = sign_in_finding(mailbox(secret), None, NOW)
        assert finding is not None and finding.status == "warn"
        assert "end of December 2026" in finding.detail
        assert "--provider microsoft365" in finding.fix
    assert sign_in_finding(mailbox("keyring", "mail.firma.de"), None, NOW) is None
    assert sign_in_finding(mailbox("oauth2_command"), None, NOW) is None


def test_doctor_on_oauth_mailboxes_not_signed_in_expiring_and_fine() -> None:
    row = mailbox("oauth2", oauth_provider="microsoft365", oauth_client_id="app-1")
    soon = (NOW + timedelta(days=3)).timestamp()
    later = (NOW + timedelta(days=60)).timestamp()

    missing = sign_in_finding(row, None, NOW)
    expiring = sign_in_finding(row, grants.Grant(refresh_token="r", refresh_expires_at=soon), NOW)
    fine = sign_in_finding(row, grants.Grant(refresh_token="r", refresh_expires_at=later,
                                             signed_in_at=NOW.timestamp()), NOW)
    unknown = sign_in_finding(row, grants.Grant(msal_cache="{}"), NOW)

    assert missing is not None and missing.status == "warn" and "not signed in" in missing.detail
    assert expiring is not None and expiring.status == "warn"
    assert "ends 2026-12-09 09:00 UTC" in expiring.detail
    assert "outreach mailbox login lena@firma.de" in expiring.fix
    assert fine is not None and fine.status == "ok" and "signed in 2026-12-06" in fine.detail
    assert unknown is not None and unknown.status == "ok"


# -- against the authorization server and the OAuth mail stack ---------------------------


@pytest.fixture
def trusted_stack(oauth_mailstack: MailStack, monkeypatch: pytest.MonkeyPatch) -> MailStack:
    """The OAuth stack, its throwaway CA trusted by outreach's TLS (certificates verified)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(oauth_mailstack.ca_file))
    return oauth_mailstack


@pytest.fixture
def rep(trusted_stack: MailStack, oidc_server: OidcServer) -> Iterator[str]:
    """A fresh rep: a mailbox on the stack, an account at the authorization server."""
    address = f"{unique_local('lena')}@sales.test"
    trusted_stack.add_user(address, random_secrets.token_hex(12))  # never used to log in
    oidc_server.add_account(address, IDP_PASSWORD)
    yield address
    tokens.forget(address)


def add_oauth_mailbox(stack: MailStack, issuer: str, address: str) -> dict[str, object]:
    args = ["mailbox", "add", address, "--name", "Lena Maier", "--json",
            "--oauth-issuer", issuer, "--oauth-client-id", CLIENT_ID,
            "--smtp-host", stack.host, "--smtp-port", str(stack.smtp_port),
            "--smtp-security", "starttls",
            "--imap-host", stack.host, "--imap-port", str(stack.imaps_port),
            "--imap-security", "tls"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    saved: dict[str, object] = json.loads(result.output)
    return saved


class LoginProcess:
    """``outreach mailbox login ADDRESS --json …`` as a separate process, read line by line."""

    def __init__(self, address: str, *flags: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "outreach", "mailbox", "login", address, "--json", *flags],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []

    def line(self) -> dict[str, object]:
        assert self.process.stdout is not None
        text = self.process.stdout.readline()
        if not text:
            self.process.wait(10)
            raise AssertionError(f"login ended: {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.lines.append(text)
        parsed: dict[str, object] = json.loads(text)
        return parsed

    def finish(self) -> tuple[int, str]:
        _out, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


def stored_refresh_token(address: str) -> str:
    raw = keyring.get_password(grants.SERVICE, address)
    assert raw is not None, "the sign-in left nothing in the keyring"
    token = json.loads(raw)["refresh_token"]
    assert isinstance(token, str) and token
    return token


def assert_nowhere(home: Path, log_text: str, *secret_values: str) -> None:
    """No token in any file of the data dir (DB, WAL, logs, YAML) nor in the captured log."""
    assert secret_values and all(secret_values)
    files = [path for path in home.rglob("*") if path.is_file()]
    assert files, "the data dir is empty: the check would prove nothing"
    for value in secret_values:
        for path in files:
            assert value.encode() not in path.read_bytes(), path
        assert value not in log_text


def dovecot_logins(stack: MailStack, address: str) -> list[str]:
    log = (stack.dir / "log" / "dovecot.log").read_text(errors="replace")
    return [line for line in log.splitlines() if f"Login: user=<{address}>" in line]


@pytest.mark.mailstack
def test_device_code_sign_in_then_smtp_and_imap_with_oauthbearer(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, rep: str
) -> None:
    saved = add_oauth_mailbox(trusted_stack, oidc_server.issuer, rep)
    assert saved["auth"] == "oauth2"
    login = LoginProcess(rep)

    shown = login.line()  # known before anyone approved anything
    assert set(shown) == {"verification_uri", "user_code", "expires_in"}
    assert shown["verification_uri"] == f"{oidc_server.issuer}/device"
    page = approve(str(shown["verification_uri"]),
                   {"user_code": str(shown["user_code"]), "login": rep, "password": IDP_PASSWORD})
    assert "Sign-in Success" in page.text
    assert login.line() == {"signed_in": rep, "flow": "device", "resumed": False}
    assert login.finish()[0] == 0
    refreshes = oidc_server.grants("refresh_token")

    tested = CliRunner().invoke(cli, ["mailbox", "test", rep])  # another process: refreshes

    assert tested.exit_code == 0, tested.output + trusted_stack.maillog_tail()
    assert "✓ SECRET from your OAuth sign-in" in tested.output
    assert f"✓ SMTP OAUTHBEARER — as {rep}" in tested.output, tested.output
    assert f"✓ IMAP LOGIN — as {rep}" in tested.output
    assert oidc_server.grants("refresh_token") == refreshes + 1
    assert any("method=OAUTHBEARER" in line for line in dovecot_logins(trusted_stack, rep))
    assert_nowhere(outreach_home, "".join(login.lines) + tested.output,
                   stored_refresh_token(rep), tokens._live[rep].token)


@pytest.mark.mailstack
async def test_browser_sign_in_with_pkce_and_xoauth2_on_both_servers(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, rep: str
) -> None:
    add_oauth_mailbox(trusted_stack, oidc_server.issuer, rep)
    login = LoginProcess(rep, "--flow", "browser", "--no-browser")

    url = str(login.line()["authorization_url"])
    assert "code_challenge_method=S256" in url and "code_challenge=" in url
    landed = approve(url, {"login": rep, "password": IDP_PASSWORD})
    assert landed.url.startswith("http://127.0.0.1:")  # our loopback receiver
    assert "Signed in" in landed.text
    assert login.line() == {"signed_in": rep, "flow": "browser", "resumed": False}
    assert login.finish()[0] == 0

    with session_scope(open_store()) as session:
        client = accounts.account_of(accounts.get_mailbox(session, rep)).secret.oauth
    assert client is not None
    token = tokens.access_token(client)  # refreshed from the keyring in this process
    assert oidc_server.introspect(token)["sub"] == rep
    with IMAPClient(trusted_stack.host, port=trusted_stack.imaps_port,
                    ssl_context=trusted_stack.ssl_context(), timeout=10) as imap:
        assert imap.oauth2_login(rep, token)  # XOAUTH2
    with IMAPClient(trusted_stack.host, port=trusted_stack.imaps_port,
                    ssl_context=trusted_stack.ssl_context(), timeout=10) as imap:
        with pytest.raises(LoginError):
            imap.oauth2_login(rep, token[:-2] + "xx")  # a forged token: introspection says no
    async with trusted_stack.smtp_client() as smtp:
        assert (await smtp.auth_xoauth2(rep, token)).code == 235
    async with trusted_stack.smtp_client() as smtp:
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await smtp.auth_xoauth2(rep, "not-a-token")
    assert refused.value.code == 535


def sign_in_here(server: OidcServer, address: str) -> None:
    """Sign in in this process, the person approving from another thread."""
    with session_scope(open_store()) as session:
        client = accounts.account_of(accounts.get_mailbox(session, address)).secret.oauth
    assert client is not None
    approvals: list[threading.Thread] = []

    def person(shown: dict[str, object]) -> None:
        fill = {"user_code": str(shown["user_code"]), "login": address, "password": IDP_PASSWORD}
        approvals.append(threading.Thread(target=approve, args=(shown["verification_uri"], fill)))
        approvals[-1].start()

    sign_in(client, person, wait_s=30)
    for thread in approvals:
        thread.join(10)


def oauth_campaign(stack: MailStack, server: OidcServer, tmp_path: Path, rep: str,
                   *, wait: str = "2s", steps: int = 1) -> Engine:
    db = open_store()
    accounts.add_mailbox(db, accounts.NewMailbox(
        email=rep,
        smtp=make_endpoint("smtp", stack.host, stack.smtp_port, "starttls"),
        imap=make_endpoint("imap", stack.host, stack.imaps_port, "tls"),
        display_name="Lena Maier",
        daily_cap=1000,
        oauth=accounts.OAuthSettings("oidc", CLIENT_ID, issuer=server.issuer),
    ), None)
    sign_in_here(server, rep)
    add_prospects(db, [ALICE])
    sequence = write_sequence(tmp_path / "s.yaml", wait=wait, gap="0s", steps=steps)
    start_campaign(db, "oauth", sequence, [rep])
    return db


async def submit_reply(stack: MailStack, rep: str, db: Engine) -> None:
    message = reply_to(ALICE, rep, in_reply_to=sends_to(db, ALICE)[0].message_id)
    async with stack.smtp_client(REP2.address, REP2.password) as smtp:
        await smtp.send_message(message)


@pytest.mark.mailstack
async def test_campaign_sends_and_the_watcher_sees_the_reply_on_an_oauth_mailbox(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, tmp_path: Path,
    rep: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db = oauth_campaign(trusted_stack, oidc_server, tmp_path, rep, steps=3, wait="30s")
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: sends_to(db, ALICE), what=f"a send to {ALICE}")
        await submit_reply(trusted_stack, rep, db)
        await services.until(lambda: states(db)[ALICE][0], what=f"{ALICE} replied",
                             ok=lambda state: state == "replied")

    [received] = trusted_stack.wait_for_messages(
        ALICE, 1, match=lambda m: m["From"] is not None and rep in m["From"])
    assert "Lena Maier" in received["From"]
    assert len(sends_to(db, ALICE)) == 1
    assert any("method=OAUTHBEARER" in line for line in dovecot_logins(trusted_stack, rep))
    assert_nowhere(outreach_home, caplog.text, stored_refresh_token(rep), tokens._live[rep].token)


@pytest.mark.mailstack
async def test_a_revoked_grant_pauses_the_mailbox_with_the_sign_in_hint(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, tmp_path: Path,
    rep: str,
) -> None:
    db = oauth_campaign(trusted_stack, oidc_server, tmp_path, rep)
    refused_before = refusals(oidc_server)
    oidc_server.revoke(stored_refresh_token(rep))  # the admin ends the sign-in
    hint = f"sign in again: outreach mailbox login {rep}"

    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: mailbox_row(db, rep).pause_reason, what="the pause",
                             ok=lambda reason: reason == hint)

    assert refusals(oidc_server) == refused_before + 1  # one refused refresh, then quiet
    assert sends_to(db, ALICE) == []  # nothing went out on a revoked sign-in
    listed = CliRunner().invoke(cli, ["mailbox", "list"])
    assert "paused:" in listed.output and "sign in" in listed.output  # wrapped at 80 columns
    [row] = json.loads(CliRunner().invoke(cli, ["mailbox", "list", "--json"]).output)
    assert (row["paused"], row["pause_reason"]) == (True, hint)
    status = CliRunner().invoke(cli, ["status", "--json"])
    assert hint in status.output, status.output
    # mailbox test runs its own event loop: in a thread. It asks nothing of the server.
    again = await asyncio.to_thread(CliRunner().invoke, cli, ["mailbox", "test", rep])
    assert again.exit_code == 1 and "sign in again" in again.output
    assert refusals(oidc_server) == refused_before + 1

    login = LoginProcess(rep)  # signing in again resumes the mailbox
    shown = login.line()
    approve(str(shown["verification_uri"]),
            {"user_code": str(shown["user_code"]), "login": rep, "password": IDP_PASSWORD})
    assert login.line() == {"signed_in": rep, "flow": "device", "resumed": True}
    assert login.finish()[0] == 0
    assert mailbox_row(db, rep).paused is False
    tested = await asyncio.to_thread(CliRunner().invoke, cli, ["mailbox", "test", rep])
    assert tested.exit_code == 0, tested.output


@pytest.mark.mailstack
async def test_the_watcher_alone_pauses_a_mailbox_whose_sign_in_was_revoked(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, tmp_path: Path,
    rep: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db = oauth_campaign(trusted_stack, oidc_server, tmp_path, rep)
    refresh_token = stored_refresh_token(rep)
    oidc_server.revoke(refresh_token)
    tokens.discard(rep)  # a new process: nothing held in memory
    events: list[tuple[str, dict[str, object]]] = []
    watcher = inbox_watcher(db, fast_watcher_config(), on_event=lambda *e: events.append(e))
    task = asyncio.create_task(watcher.run())
    try:
        await until(lambda: mailbox_row(db, rep).paused, 30, what="the pause",
                    guard=still_running(task))
    finally:
        watcher.stop()
        await asyncio.wait_for(task, 15)

    assert mailbox_row(db, rep).pause_reason == f"sign in again: outreach mailbox login {rep}"
    assert ("mailbox_paused", {"mailbox": rep, "message": mailbox_row(db, rep).pause_reason}
            ) in events
    assert f"{rep} paused: sign in again" in caplog.text
    assert_nowhere(outreach_home, caplog.text, refresh_token)


@pytest.mark.mailstack
@pytest.mark.slow
async def test_access_tokens_are_refreshed_during_a_run(
    trusted_stack: MailStack, oidc_server: OidcServer, outreach_home: Path, tmp_path: Path,
    rep: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db = oauth_campaign(trusted_stack, oidc_server, tmp_path, rep, steps=3, wait="70s")
    first = tokens._live[rep].token
    refreshes = oidc_server.grants("refresh_token")
    config = fast_config(smtp_idle_reconnect=5.0)
    async with Services(db, config, inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: len(sends_to(db, ALICE)), 120, what="two sends",
                             ok=lambda n: n >= 2, step=0.5)

    assert oidc_server.introspect(first) == {"active": False}  # the first token expired …
    assert oidc_server.grants("refresh_token") > refreshes  # … and was renewed on the way
    assert tokens._live[rep].token != first
    assert len(sends_to(db, ALICE)) == 2
    assert_nowhere(outreach_home, caplog.text, first, tokens._live[rep].token,
                   stored_refresh_token(rep))


def refusals(server: OidcServer) -> int:
    return sum(1 for e in list(server.events)
               if e.get("event") == "grant_error" and e.get("grant_type") == "refresh_token")


def mailbox_row(db: Engine, address: str):  # type: ignore[no-untyped-def]
    with session_scope(db) as session:
        return accounts.get_mailbox(session, address)


# -- the Microsoft path: msal against the same server over https ---------------------------


def msal_refresh_token(address: str) -> str:
    """The refresh token inside msal's serialized cache (the keyring entry)."""
    raw = keyring.get_password(grants.SERVICE, address)
    assert raw is not None
    cache = json.loads(json.loads(raw)["msal_cache"])
    [entry] = cache["RefreshToken"].values()
    token: str = entry["secret"]
    return token


def test_msal_device_code_refresh_and_a_refused_refresh(
    https_oidc_server: OidcServer, outreach_home: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """msal (the Microsoft 365 sign-in) through its generic OIDC authority support: the same
    code as for login.microsoftonline.com from the device code on."""
    caplog.set_level(logging.DEBUG)  # msal logs at DEBUG: it must not log tokens either
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(https_oidc_server.ca_file))
    open_store()  # the data dir, as in any run
    address = f"{unique_local('lena')}@firma.test"
    https_oidc_server.add_account(address, IDP_PASSWORD)
    client = OAuthClient(address, "msal", CLIENT_ID, https_oidc_server.issuer, ("email",),
                         "device")
    shown: list[dict[str, object]] = []

    def person(prompt: dict[str, object]) -> None:
        shown.append(prompt)
        fill = {"user_code": str(prompt["user_code"]), "login": address,
                "password": IDP_PASSWORD}
        threading.Thread(target=approve, args=(prompt["verification_uri"], fill)).start()

    signed = sign_in(client, person, wait_s=30)

    assert signed.flow == "device"
    assert set(shown[0]) == {"verification_uri", "user_code", "expires_in"}
    first = tokens.access_token(client)
    assert https_oidc_server.introspect(first)["sub"] == address
    refreshes = https_oidc_server.grants("refresh_token")
    tokens.discard(address)  # as after a restart: msal renews from the keyring's cache
    second = tokens.access_token(client)
    assert second != first and https_oidc_server.introspect(second)["active"] is True
    assert https_oidc_server.grants("refresh_token") == refreshes + 1

    refresh_token = msal_refresh_token(address)
    https_oidc_server.revoke(refresh_token)
    tokens.discard(address)
    with pytest.raises(SignInRequired) as refused:
        tokens.access_token(client)
    with pytest.raises(SignInRequired):
        tokens.access_token(client)  # not asked again: the same refused cache
    assert refused.value.message == f"sign in again: outreach mailbox login {address}"
    errors = [e for e in https_oidc_server.events if e.get("event") == "grant_error"
              and e.get("grant_type") == "refresh_token"]
    assert len(errors) == 1
    assert_nowhere(outreach_home, caplog.text, first, second, refresh_token)
    tokens.forget(address)
