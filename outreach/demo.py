"""``outreach demo``: a real campaign against the embedded sandbox, in about a minute.

Everything is real but the servers: the store, the engine, the pacing rules and the
watcher run exactly as they do for a rep; the sandbox plays six prospects (two quiet
ones, one who replies, one out of office, one who asks to be removed, one dead address).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from sqlalchemy import Engine

from outreach import accounts, i18n, wording
from outreach.campaigns import service
from outreach.i18n import N_, _
from outreach.mailbox.account import make_endpoint
from outreach.sandbox import Sandbox
from outreach.store import open_store, session_scope
from outreach.store.models import Prospect, ProspectTag, row_id
from outreach.views.campaign_list import show_campaign

REP = "lena@sales.example"
CAMPAIGN = "demo"


@dataclass(frozen=True)
class DemoProspect:
    email: str
    first_name: str
    company: str
    behaviour: str
    delay: float = 2.0


PROSPECTS = (
    DemoProspect("anna@nordwind.example", "Anna", "Nordwind", "silent"),
    DemoProspect("ben@kiefer.example", "Ben", "Kiefer", "reply", 3.0),
    DemoProspect("chris@kiefer.example", "Chris", "Kiefer", "silent"),
    DemoProspect("dana@lumen.example", "Dana", "Lumen", "auto_reply", 1.0),
    DemoProspect("emil@quarz.example", "Emil", "Quarz", "unsubscribe", 2.0),
    DemoProspect("nobody@ostwind.example", "Frieda", "Ostwind", "bounce"),
)


class MemoryKeyring(KeyringBackend):
    """The demo's throwaway sandbox password lives in memory only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._store.pop((service, username), None)


def sequence_file(directory: Path) -> Path:
    """The demo's sequence, in the rep's language (the mail is German for a German rep)."""
    name = "demo_sequence_de.yaml" if i18n.current() == "de" else "demo_sequence.yaml"
    path = directory / "demo.yaml"
    path.write_text(resources.files("outreach.data").joinpath(name).read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


@contextmanager
def demo_world(directory: Path) -> Iterator[Sandbox]:
    """A started sandbox with the rep and the prospects, and a started campaign."""
    keyring.set_keyring(MemoryKeyring())
    password = secrets.token_urlsafe(12)
    with Sandbox() as sandbox:
        sandbox.add_user(REP, password)
        for p in PROSPECTS:
            if p.behaviour == "bounce":
                sandbox.add_domain(p.email.split("@")[1])
            else:
                sandbox.persona(p.email, p.behaviour, delay=p.delay,
                                language="de" if i18n.current() == "de" else "en")
        db = open_store()
        ep = sandbox.endpoints
        accounts.add_mailbox(
            db,
            accounts.NewMailbox(
                email=REP,
                smtp=make_endpoint("smtp", ep.host, ep.smtp_port, "none"),
                imap=make_endpoint("imap", ep.host, ep.imap_port, "none"),
                display_name="Lena Maier",
                daily_cap=100,
            ),
            password,
        )
        _add_prospects(db)
        service.create_campaign(db, CAMPAIGN, sequence_file(directory), [REP], tags=["demo"])
        service.start_campaign(db, CAMPAIGN)
        yield sandbox


def _add_prospects(db: Engine) -> None:
    with session_scope(db) as session:
        for p in PROSPECTS:
            row = Prospect(
                email=p.email,
                domain=p.email.split("@")[1],
                first_name=p.first_name,
                company=p.company,
                timezone="Europe/Berlin",
            )
            session.add(row)
            session.flush()
            session.add(ProspectTag(prospect_id=row_id(row.id), tag="demo"))


# -- narration -------------------------------------------------------------------------

Roster = dict[str, tuple[str, str | None]]
"""Each prospect of the demo campaign: email → (state, reason)."""

INBOUND_HEADLINES = {
    "reply": N_("reply from {sender} to “{subject}”"),
    "auto_reply": N_("out-of-office from {sender} (“{subject}”)"),
    "unsubscribe": N_("opt-out from {sender} (“{subject}”)"),
    "bounce": N_("bounce from {sender} (“{subject}”)"),
}
OUTCOMES = {
    "replied": N_("replied: no more follow-ups"),
    "paused": N_("paused until they are back"),
    "unsubscribed": N_("unsubscribed: suppressed, never written to again"),
    "bounced": N_("bounced: address suppressed"),
    "stopped": N_("stopped"),
}


def roster(db: Engine) -> Roster:
    """The demo campaign's prospects as they stand now."""
    rows = show_campaign(db, CAMPAIGN)["enrollments"]
    return {row["email"]: (row["state"], row["reason"]) for row in rows}


def narrate(kind: str, info: dict[str, object], before: Roster, after: Roster) -> list[str]:
    """What an inbound event did, in words: a headline, then one line per prospect whose
    state it changed; [] for events that are not inbound mail (sends, pauses, …)."""
    headline = INBOUND_HEADLINES.get(kind)
    if headline is None:
        return []
    lines = [_(headline).format(sender=info.get("from") or "?", subject=info.get("subject") or "")]
    changed = [email for email, now in after.items() if before.get(email) != now]
    lines += [f"  → {email} {_outcome(*after[email])}" for email in changed]
    if not changed:
        lines.append("  → " + (_("held for review") if info.get("held")
                               else _("no prospect affected")))
    return lines


def _outcome(state: str, reason: str | None) -> str:
    said = _(OUTCOMES[state]) if state in OUTCOMES else wording.state(state)
    if reason and (reason == "company_reply" or state in ("bounced", "stopped")):
        return f"{said} ({wording.reason(reason)})"
    return said
