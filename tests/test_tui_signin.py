"""The cockpit's sign-in modal against the real authorization server on loopback: the code
shows up as soon as the provider gives it, and the modal closes by itself when a person
approves it in a browser (here: over HTTP from another thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import keyring
from click.testing import CliRunner
from textual.pilot import Pilot

from outreach.cli import cli
from outreach.oauth import grants, tokens
from outreach.tui.screens.mailboxes import MailboxesScreen
from outreach.tui.screens.signin import SignInScreen
from tests import polling
from tests.fixtures.oidc import CLIENT_ID, OidcServer, approve
from tests.test_tui_support import World, make_app, settle
from tests.test_watcher_support import unique_local

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

SIZE = (160, 48)
IDP_PASSWORD = "idp-password-of-the-rep"


async def settle_until(pilot: Pilot[None], condition: Callable[[], object], *,
                       what: str) -> None:
    """Let the app run until ``condition()`` (the sign-in worker keeps running meanwhile,
    so this does not wait for the workers to finish)."""
    await polling.until(condition, 20.0, what=what, pause=lambda: pilot.pause(0.05))


def add_oauth_mailbox(oidc_server: OidcServer) -> str:
    address = f"{unique_local('lena')}@sales.test"
    oidc_server.add_account(address, IDP_PASSWORD)
    args = ["mailbox", "add", address, "--oauth-issuer", oidc_server.issuer,
            "--oauth-client-id", CLIENT_ID, "--smtp-host", "127.0.0.1", "--imap-host",
            "127.0.0.1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return address


async def test_sign_in_modal_shows_the_code_and_closes_by_itself(
    world: World, oidc_server: OidcServer
) -> None:
    address = add_oauth_mailbox(oidc_server)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        modal = SignInScreen(address)
        results: list[bool | None] = []
        await pilot.app.push_screen(modal, results.append)
        await settle_until(pilot, lambda: "user_code" in modal.shown, what="the code")
        code = str(modal.shown["user_code"])
        assert code in str(modal.query_one("#signin-code").render())
        person = threading.Thread(target=approve, args=(
            modal.shown["verification_uri"],
            {"user_code": code, "login": address, "password": IDP_PASSWORD}))
        person.start()
        await settle_until(pilot, lambda: results, what="the modal to close by itself")
        person.join(10)

    assert results == [True]
    assert keyring.get_password(grants.SERVICE, address) is not None
    tokens.forget(address)


async def test_cancel_stops_waiting_and_stores_nothing(
    world: World, oidc_server: OidcServer
) -> None:
    address = add_oauth_mailbox(oidc_server)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        modal = SignInScreen(address)
        results: list[bool | None] = []
        await pilot.app.push_screen(modal, results.append)
        await settle_until(pilot, lambda: "user_code" in modal.shown, what="the code")
        await pilot.press("escape")
        await settle(pilot)  # the worker ends: the stop event cut its polling short

    assert results == [None]
    assert keyring.get_password(grants.SERVICE, address) is None


async def test_the_mailboxes_view_opens_the_sign_in_for_the_selected_mailbox(
    world: World, oidc_server: OidcServer
) -> None:
    address = add_oauth_mailbox(oidc_server)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        screen = MailboxesScreen()
        await pilot.app.push_screen(screen)
        await settle_until(pilot, lambda: address in [r.email for r in screen.rows],
                           what="the mailbox listed")
        table = screen.query_one("#mailbox-table")
        table.move_cursor(row=[r.email for r in screen.rows].index(address))  # type: ignore[attr-defined]
        await pilot.press("l")
        await settle_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen),
                           what="the sign-in modal")
        modal = pilot.app.screen
        assert isinstance(modal, SignInScreen) and modal.email == address
        await settle_until(pilot, lambda: "user_code" in modal.shown, what="the code")
        await pilot.press("escape")
        await settle(pilot)
