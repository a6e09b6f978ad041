"""Lena's whole journey (USER_JOURNEYS.md) without leaving the TUI, with Pilot on the
fixed world and the test DNS server (NSD on loopback): import her Excel export, create a
campaign from her sequence, see the plan, start it (the addresses checked as `campaign
start` checks them), and find it on the Campaigns screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select
from textual.widgets import DirectoryTree, Input, SelectionList

from outreach.store.models import Enrollment, Prospect, ProspectTag, Send
from outreach.tui.screens.campaigns import CampaignsScreen
from outreach.tui.screens.import_prospects import ImportScreen
from outreach.tui.screens.new_campaign import NewCampaignScreen
from outreach.tui.screens.prospects import ProspectsScreen
from outreach.tui.screens.start_campaign import StartCampaignScreen
from outreach.tui.widgets.fitted_table import FittedTable
from outreach.tui.widgets.paged_table import PagedTable
from tests.fixtures.dns import DnsServer
from tests.test_tui_screens import campaign_state
from tests.test_tui_support import World, make_app, screen_text, settle, table_rows, write_leads

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

LENA_SEQUENCE = """\
name: Lena Q1
schedule: {timezone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
pace: {daily_cap: 40, gap: 90s-6m}
steps:
  - subject: "{{ company }} und kalte E-Mails"
    body: "Hallo {{ first_name }}, als {{ position | default('Chef') }} kennen Sie das."
  - wait: 3 business days
    body: "Hallo {{ first_name }}, kurz nachgefragt."
  - wait: 5 business days
    body: "Letzte Nachricht von mir, {{ first_name }}."
"""


@pytest.fixture
def lenas_folder(
    world: World, dnsserver: DnsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Her working folder (the current one): leads.csv from Excel and her sequence; the
    addresses are checked against the test DNS server."""
    monkeypatch.setenv("OUTREACH_DNS", dnsserver.spec)
    here = tmp_path / "lena"
    here.mkdir()
    write_leads(here)
    (here / "lena.yaml").write_text(LENA_SEQUENCE)
    monkeypatch.chdir(here)
    return here


async def go(pilot: Any, *keys: str) -> None:
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def pick_file(pilot: Any, name: str) -> None:
    """Move the file tree's cursor to ``name`` with the arrow keys and press Enter."""
    tree = pilot.app.screen.query_one(DirectoryTree)
    for _ in range(10):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data.path.name == name:
            break
        await go(pilot, "down")
    await go(pilot, "enter")


async def import_leads(pilot: Any, world: World) -> None:
    app = pilot.app
    await go(pilot, "3", "i")
    assert isinstance(app.screen, ImportScreen)
    await pick_file(pilot, "leads.csv")
    text = screen_text(app)
    assert "leads.csv: cp1252, semicolon-separated, 7 rows" in text
    assert "4 prospects to import, 3 rows rejected" in text
    mapping = table_rows(app.screen.query_one("#import-mapping", FittedTable))
    assert ["E-Mail", "address", "max.mueller@prospects.test"] in mapping
    assert ["Nachname", "last name", "Müller"] in mapping  # the umlaut read from cp1252
    assert ["Position", "custom field {{ position }}", "Geschäftsführer"] in mapping
    for line in ("line 4: address 'kai@@broken'", "line 6: no e-mail address",
                 "line 8: address 'tim at tief.test'"):
        assert line in text
    assert isinstance(app.focused, Input) and app.focused.id == "import-tag"
    await pilot.press(*"lena")
    await go(pilot, "enter")
    assert "✓ imported" in screen_text(app) and "4 new, 0 updated" in screen_text(app)
    assert "3 rows rejected (nothing else was lost)" in screen_text(app)
    bar = app.screen.query_one("#import-progress")
    assert bar.total == 4 and bar.progress == 4
    with Session(world.db) as session:
        tagged = session.exec(select(Prospect.email).join(ProspectTag)
                              .where(ProspectTag.tag == "lena").order_by(col(Prospect.email)))
        assert list(tagged) == ["jana@acme.test", "max.mueller@prospects.test",
                                "ole@acme.test", "udo@gone.test"]
    await go(pilot, "escape")
    assert isinstance(app.screen, ProspectsScreen)
    emails = [row[0] for row in table_rows(app.screen.query_one(PagedTable))]
    assert "max.mueller@prospects.test" in emails  # the list shows them at once


async def new_campaign(pilot: Any, name: str, tag: str, search: str = "") -> NewCampaignScreen:
    """Campaigns → a: type the name, keep the first sequence (./lena.yaml) and the active
    mailbox, tick ``tag`` with the keyboard, type ``search``."""
    app = pilot.app
    await go(pilot, "2", "a")
    screen = app.screen
    assert isinstance(screen, NewCampaignScreen)
    await pilot.press(*name)
    assert str(screen.query_one("#new-sequence").value).endswith("lena.yaml")
    mailboxes = screen.query_one("#new-mailboxes", SelectionList)
    assert mailboxes.selected == ["lena@sales.example"]  # tom's is paused: not ticked
    tags = screen.query_one("#new-tags", SelectionList)
    tags.focus()
    labels = [str(tags.get_option_at_index(i).prompt) for i in range(tags.option_count)]
    tags.highlighted = labels.index(f"{tag} (4)")
    await go(pilot, "space")
    assert tags.selected == [tag]
    if search:
        screen.query_one("#new-search", Input).focus()
        await pilot.press(*search)
        await pilot.pause(0.3)  # the search waits for typing to stop (0.25 s)
    await settle(pilot)
    return screen


async def test_lenas_journey_in_the_tui(world: World, lenas_folder: Path) -> None:
    app = make_app(world)
    async with app.run_test(size=(160, 48)) as pilot:
        await import_leads(pilot, world)

        screen = await new_campaign(pilot, "lena-q1", "lena")
        assert "4 prospects match: jana@acme.test, max.mueller@prospects.test" in screen_text(app)
        await pilot.click("#create")
        await settle(pilot)
        text = screen_text(app)
        assert "campaign 'lena-q1' created as a draft: 4 prospects enrolled" in text
        plan = table_rows(screen.query_one("#new-plan", FittedTable))
        first = [row for row in plan if row[4] == "1"]
        assert sorted(row[3] for row in first) == ["jana@acme.test", "max.mueller@prospects.test",
                                                   "ole@acme.test", "udo@gone.test"]
        assert all("09:" <= row[1][-5:] < "17:" for row in first)  # her window, their time
        assert campaign_state(world, "lena-q1") == "draft"  # nothing sent yet

        await pilot.click("#start")
        await settle(pilot)
        assert isinstance(app.screen, StartCampaignScreen)
        await go(pilot, "y")
        outcome = app.screen.outcome
        assert outcome is not None and outcome.checked == [  # as `campaign start` prints it
            "verified 4 address(es): 3 valid, 0 risky (sent), 1 invalid (not sent), "
            "0 unknown (DNS could not tell; sent)",
            "  invalid  udo@gone.test: the domain does not exist (NXDOMAIN)",
        ]
        text = screen_text(app)
        assert "udo@gone.test: the domain does not exist (NXDOMAIN)" in text
        assert "campaign lena-q1 started: 3 first emails queued" in text
        await go(pilot, "escape")
        assert isinstance(app.screen, CampaignsScreen)  # the form closed with the start
        rows = table_rows(app.screen.query_one("#campaign-list", FittedTable))
        assert ["lena-q1", "active"] == next(r[:2] for r in rows if r[0] == "lena-q1")
        assert "Lena Q1 (3 steps)" in screen_text(app)
    with Session(world.db) as session:
        queued = session.exec(select(Send).join(Enrollment).join(Prospect)
                              .where(Send.state == "scheduled")
                              .where(col(Prospect.email).like("%.test"))).all()
        assert len(queued) == 3


async def test_a_campaign_that_would_send_nothing_is_not_started(
    world: World, lenas_folder: Path
) -> None:
    app = make_app(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await import_leads(pilot, world)
        screen = await new_campaign(pilot, "only-udo", "lena", search="gone")
        assert "1 prospect matches: udo@gone.test" in screen_text(app)
        await pilot.click("#create")
        await settle(pilot)
        await pilot.click("#start")
        await go(pilot, "y")
        outcome = app.screen.outcome
        assert outcome is not None and outcome.queued == 0 and outcome.error is not None
        assert "1 invalid (not sent)" in outcome.checked[0]
        assert "not started: it would send nothing" in outcome.error
        assert "it stays a draft" in outcome.error
        assert "✗ campaign 'only-udo' not started" in screen_text(app)
        assert campaign_state(world, "only-udo") == "draft"
        await go(pilot, "escape")
        assert app.screen is screen  # back on the form: the draft can be fixed or kept


async def test_the_form_says_what_is_missing(world: World, lenas_folder: Path) -> None:
    app = make_app(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(pilot, "2", "a")
        screen = app.screen
        screen.query_one("#new-search", Input).value = "nobody-has-this"
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.click("#create")
        await settle(pilot)
        text = screen_text(app)
        assert "✗ give the campaign a name" in text
        assert "✗ no prospect matches these tags/search" in text
        assert campaign_state_or_none(world, "") is None


def campaign_state_or_none(world: World, name: str) -> str | None:
    from outreach.store.models import Campaign

    with Session(world.db) as session:
        return session.exec(select(Campaign.state).where(Campaign.name == name)).first()
