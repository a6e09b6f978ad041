"""What can be done to one prospect, from the table or its timeline: suppress, unsuppress,
add to a campaign (chosen in a modal)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from outreach.campaigns import enroll
from outreach.i18n import _
from outreach.tui import actions
from outreach.tui.context import context_of
from outreach.tui.runner import commands_of
from outreach.tui.screens.pickers import ChoiceScreen
from outreach.views.campaigns import campaign_names

LIVE_CAMPAIGNS = ("draft", "active", "paused")


def suppress(app: App[Any], email: str) -> None:
    db = context_of(app).db
    commands_of(app).run(lambda: actions.suppress(db, email), what=_("Suppress"))


def unsuppress(app: App[Any], email: str) -> None:
    db = context_of(app).db
    commands_of(app).run(lambda: actions.unsuppress(db, email), what=_("Unsuppress"))


def add_to_campaign(app: App[Any], email: str) -> None:
    """Ask which campaign (names read in a worker), then add the prospect to it."""
    ctx = context_of(app)

    def add(name: str, include_active: bool) -> None:
        now = ctx.now()
        commands_of(app).run(
            lambda: actions.add_to_campaign(ctx.db, name, email, now, include_active),
            what=_("Add to campaign"),
        )

    def added(name: str | None) -> None:
        if name:
            app.run_worker(lambda: check(name), thread=True, group="pick-campaign")

    def check(name: str) -> None:
        """The person live in another campaign: ask before writing to them twice."""
        elsewhere = enroll.active_elsewhere(ctx.db, email, name)
        if elsewhere is None:
            app.call_from_thread(add, name, False)
            return
        choices = [("include", _("Enroll anyway")), ("skip", _("Skip"))]
        screen = ChoiceScreen(_("{email} is {where}.").format(email=email, where=elsewhere),
                              choices)

        def decided(choice: str | None) -> None:
            if choice == "include":
                add(name, True)

        app.call_from_thread(app.push_screen, screen, decided)

    def ask() -> None:
        names = campaign_names(ctx.db, LIVE_CAMPAIGNS)
        if not names:
            app.call_from_thread(app.notify, _("no draft, active or paused campaign to add to"))
            return
        choices = [(name, name) for name in names]
        screen = ChoiceScreen(_("Add {email} to which campaign?").format(email=email), choices)
        app.call_from_thread(app.push_screen, screen, added)

    app.run_worker(ask, thread=True, group="pick-campaign", exclusive=True)
