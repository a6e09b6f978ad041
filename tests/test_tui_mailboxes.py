"""The mailbox form and the connection test, against the embedded sandbox."""

from __future__ import annotations

import keyring
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import Input, Select

from outreach import secrets
from outreach.sandbox import Sandbox
from outreach.store.models import Mailbox
from outreach.tui.screens.mailbox_form import MailboxFormScreen
from outreach.tui.screens.probe import ProbeScreen
from outreach.tui.widgets.form import FormField
from outreach.tui.widgets.probe_steps import ProbeSteps
from tests.fixtures.campaigns import add_mailbox
from tests.fixtures.sandbox import REP_ADDRESS, REP_PASSWORD
from tests.test_tui_support import World, make_app, settle

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

SIZE = (160, 48)


def mailbox_emails(world: World) -> list[str]:
    with Session(world.db) as session:
        return list(session.exec(select(Mailbox.email).order_by(Mailbox.email)))


async def open_form(pilot: Pilot[None]) -> MailboxFormScreen:
    """The add form, pushed at once (the Mailboxes view's `a` is covered by the snapshot)."""
    form = MailboxFormScreen()
    await pilot.app.push_screen(form)
    await settle(pilot)
    return form


def fill(screen: MailboxFormScreen, **values: str) -> None:
    for name, value in values.items():
        control = screen.query_one(f"#{name}")
        if isinstance(control, Select):
            control.value = value
        else:
            assert isinstance(control, Input)
            control.value = value


def errors(screen: MailboxFormScreen) -> dict[str, str]:
    return {f.field_name: f.error for f in screen.query(FormField) if f.error}


async def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(world: World) -> None:
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, email="lena at firma", smtp_host="smtp.firma.de", smtp_port="99999",
             imap_host="", imap_port="abc", daily_cap="0", ramp="fast")  # fmt: skip
        await pilot.click("#test-save")
        await settle(pilot)
        found = errors(form)
        assert set(found) == {"email", "smtp_port", "imap_host", "imap_port", "password", "daily_cap", "ramp"}
        assert "65535" in found["smtp_port"]
        assert form.query_one("#field-smtp_port").has_class("-invalid")
        assert app.screen is form  # still open: fix and try again
    assert mailbox_emails(world) == ["lena@sales.example", "tom@sales.example"]


async def test_wrong_password_is_shown_next_to_the_password_and_nothing_is_saved(
    world: World, sandbox: Sandbox
) -> None:
    ep = sandbox.endpoints
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, email=REP_ADDRESS, smtp_host=ep.host, smtp_port=str(ep.smtp_port),
             smtp_security="none", imap_host=ep.host, imap_port=str(ep.imap_port),
             imap_security="none", password="not-the-password")  # fmt: skip
        await pilot.click("#test-save")
        await settle(pilot)
        found = errors(form)
        assert list(found) == ["password"], found
        assert "SMTP AUTH" in found["password"] or "IMAP LOGIN" in found["password"]
        steps = form.query_one(ProbeSteps).steps
        assert [s.name for s in steps if not s.ok] and steps[0].ok  # the secret step passed
        assert app.screen is form
    assert REP_ADDRESS not in mailbox_emails(world)
    assert keyring.get_password(secrets.SERVICE, REP_ADDRESS) is None


async def test_a_good_mailbox_is_tested_then_saved_with_its_password_in_the_keyring(
    world: World, sandbox: Sandbox
) -> None:
    ep = sandbox.endpoints
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, email=REP_ADDRESS, display_name="Rep", smtp_host=ep.host,
             smtp_port=str(ep.smtp_port), smtp_security="none", imap_host=ep.host,
             imap_port=str(ep.imap_port), imap_security="none", password=REP_PASSWORD,
             ramp="10+5/day")  # fmt: skip
        await pilot.click("#test-save")
        await settle(pilot)
        assert app.screen is not form, errors(form)
    assert mailbox_emails(world) == ["lena@sales.example", REP_ADDRESS, "tom@sales.example"]
    assert keyring.get_password(secrets.SERVICE, REP_ADDRESS) == REP_PASSWORD
    with Session(world.db) as session:
        row = session.exec(select(Mailbox).where(Mailbox.email == REP_ADDRESS)).one()
    assert (row.smtp_port, row.ramp, row.secret_source) == (ep.smtp_port, "10+5/day", "keyring")


async def test_test_connection_of_a_saved_mailbox_step_by_step(
    world: World, sandbox: Sandbox
) -> None:
    ep = sandbox.endpoints
    add_mailbox(world.db, REP_ADDRESS, REP_PASSWORD, ep.host, ep.smtp_port, ep.imap_port)
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("down", "t")  # the rep's mailbox is the second one
        await settle(pilot)
        probe = app.screen
        assert isinstance(probe, ProbeScreen) and probe.finished
        steps = probe.query_one(ProbeSteps).steps
        names = [(s.protocol, s.name.split(" ")[0]) for s in steps]
        assert ("secret", "fetch") in names and ("smtp", "AUTH") in names
        assert ("imap", "LOGIN") in names and ("imap", "SELECT") in names
        assert all(s.ok for s in steps), steps
        assert "every step passed" in str(probe.query_one("#probe-title").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ProbeScreen)


async def test_edit_keeps_the_stored_password(world: World) -> None:
    secrets.store_password("lena@sales.example", "kept-secret")
    app = make_app(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("e")  # lena, the first row
        await settle(pilot)
        form = app.screen
        assert isinstance(form, MailboxFormScreen) and form.editing
        assert form.query_one("#email", Input).disabled
        assert form.query_one("#smtp_port", Input).value == "2525"
        fill(form, daily_cap="60")
        await pilot.click("#save")  # without the connection test
        await settle(pilot)
        assert app.screen is not form, errors(form)
    with Session(world.db) as session:
        lena = session.exec(select(Mailbox).where(Mailbox.email == "lena@sales.example")).one()
    assert (lena.daily_cap, lena.ramp, lena.smtp_port) == (60, "10+5/day", 2525)
    assert keyring.get_password(secrets.SERVICE, "lena@sales.example") == "kept-secret"
