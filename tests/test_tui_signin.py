"""The cockpit's sign-in modal against the real authorization server on loopback: the code
shows up as soon as the provider gives it, and the modal closes by itself when a person
approves it in a browser (here: over HTTP from another thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import keyring
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Input, Select

from outreach.cli import cli
from outreach.oauth import grants, tokens
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.mailboxes import MailboxesScreen
from outreach.tui.screens.signin import SignInScreen
from outreach.tui.widgets.form import FormField
from outreach.views.mailbox_form import check_form
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
        await pilot.press("g")
        await settle_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen),
                           what="the sign-in modal")
        modal = pilot.app.screen
        assert isinstance(modal, SignInScreen) and modal.email == address
        await settle_until(pilot, lambda: "user_code" in modal.shown, what="the code")
        await pilot.press("escape")
        await settle(pilot)


async def test_the_add_form_with_an_oauth_provider_saves_then_signs_in(
    world: World, oidc_server: OidcServer
) -> None:
    address = f"{unique_local('lena')}@sales.test"
    oidc_server.add_account(address, IDP_PASSWORD)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        form = MailboxFormScreen()
        saved: list[str | None] = []
        await pilot.app.push_screen(form, saved.append)
        await settle(pilot)
        values = {"email": address, "smtp_host": "127.0.0.1", "imap_host": "127.0.0.1",
                  "provider": "oidc", "oauth_client_id": CLIENT_ID,
                  "oauth_where": oidc_server.issuer}
        for name, value in values.items():
            control = form.query_one(f"#{name}")
            assert isinstance(control, Input | Select)
            control.value = value
        await pilot.click("#test-save")  # nothing to test before the sign-in: saved at once
        await settle_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen),
                           what="the sign-in modal after saving")
        modal = pilot.app.screen
        assert isinstance(modal, SignInScreen)
        await settle_until(pilot, lambda: "user_code" in modal.shown, what="the code")
        approve(str(modal.shown["verification_uri"]), {
            "user_code": str(modal.shown["user_code"]), "login": address,
            "password": IDP_PASSWORD})
        await settle_until(pilot, lambda: not isinstance(pilot.app.screen, SignInScreen),
                           what="the modal to close by itself")

    assert saved == [address]
    [row] = [r for r in json.loads(CliRunner().invoke(cli, ["mailbox", "list", "--json"]).output)
             if r["email"] == address]
    assert (row["auth"], row["oauth"]["issuer"]) == ("oauth2", oidc_server.issuer)
    assert keyring.get_password(grants.SERVICE, address) is not None
    tokens.forget(address)


async def test_the_add_form_fills_a_providers_servers_and_asks_for_the_client_id(
    world: World,
) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        form = MailboxFormScreen()
        await pilot.app.push_screen(form)
        await settle(pilot)
        form.query_one("#email", Input).value = "lena@firma.de"
        form.query_one("#provider", Select).value = "microsoft365"
        await pilot.click("#save")
        await settle(pilot)
        assert {f.field_name: f.error for f in form.query(FormField) if f.error} == {
            "oauth_client_id": "your organisation's app (client) id (docs/oauth2.md)"}

    checked, errors = check_form({"email": "lena@firma.de", "provider": "microsoft365",
                                  "oauth_client_id": "app-1"}, editing=False)
    assert errors == {} and checked is not None
    assert (checked.new.smtp.host, checked.new.smtp.port) == ("smtp.office365.com", 587)
    assert (checked.new.imap.host, checked.new.imap.security) == ("outlook.office365.com", "tls")
    assert checked.new.sent_copy == "server" and checked.signs_in
