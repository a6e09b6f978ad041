"""A fixed little world for the TUI tests (no tests here): two mailboxes, eight prospects,
a started A/B campaign with sends, a reply, an out-of-office, an opt-out and a bounce —
every time stored is fixed, so screens and snapshots are the same on every run."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import keyring.core
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from outreach import accounts
from outreach.campaigns import service
from outreach.lifecycle import Cause, EventKind, Subject
from outreach.lifecycle.events import record
from outreach.lifecycle.inbound import apply_actions
from outreach.lifecycle.rules import Action, End, Pause, Suppress
from outreach.lifecycle.sending import advance_after_sent
from outreach.mailbox.account import make_endpoint
from outreach.store import open_store, session_scope
from outreach.store.models import (
    Enrollment,
    InboundMessage,
    Mailbox,
    Prospect,
    ProspectTag,
    Send,
)
from tests import polling

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning
STARTED = NOW - timedelta(days=3, hours=1)
REP = "lena@sales.example"
REP2 = "tom@sales.example"
PEOPLE = (
    ("anna@nordwind.example", "Anna", "Berg", "Nordwind"),
    ("ben@kiefer.example", "Ben", "Kraus", "Kiefer"),
    ("chris@kiefer.example", "Chris", "Lang", "Kiefer"),
    ("dana@lumen.example", "Dana", "Meier", "Lumen"),
    ("emil@quarz.example", "Emil", "Noll", "Quarz"),
    ("nobody@quarz.example", "Frieda", "Ott", "Quarz"),
    ("gert@orbit.example", "Gert", "Pohl", "Orbit"),
    ("hanna@pixel.example", "Hanna", "Quast", "Pixel"),
)
SEQUENCE = """\
name: Q1 founders
schedule: {timezone: UTC, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}
pace: {daily_cap: 40, gap: 90s-6m}
stop: {on_reply: true, on_company_reply: true, on_auto_reply: pause}
steps:
  - variants:
      - subject: "{{ company }} and cold email"
        body: "Hi {{ first_name }}, a short question about {{ company }}."
      - subject: "Quick question, {{ first_name }}"
        body: "Hello {{ first_name }}, may I ask about {{ company }}?"
  - wait: 2 business days
    body: "Hi {{ first_name }}, just bumping this up."
  - wait: 3 business days
    body: "Last note from me, {{ first_name }}."
"""


@dataclass(frozen=True)
class World:
    db: Engine
    sequences: Path
    sequence: Path


def seed_world(home: Path, *, db_url: str | None = None, ports: tuple[int, int] = (2525, 1143)) -> World:
    """The fixed world in ``home`` (OUTREACH_HOME must point there)."""
    db = open_store(db_url)
    folder = home / "sequences"
    folder.mkdir(parents=True, exist_ok=True)
    sequence = folder / "q1.yaml"
    sequence.write_text(SEQUENCE)
    (folder / "broken.yaml").write_text(BROKEN)
    _mailboxes(db, ports)
    _prospects(db)
    service.create_campaign(db, "q1", sequence, [REP], tags=["q1"])
    service.start_campaign(db, "q1", now=STARTED)
    service.create_campaign(db, "draft-later", sequence, [REP], tags=["later"])
    _send_first_steps(db)
    _inbound(db)
    _fix_times(db)
    return World(db, folder, sequence)


BROKEN = """\
name: Broken
schedule: {timezone: UTC, days: [mon], hours: "09:00-17:00"}
pace: {daily_cap: 40, gap: 90s-6m}
steps:
  - subject: "Hi {{ company }}"
    body: "Hello {{ frist_name }}"
  - wait: 3 bizdays
    body: "again"
"""


def _mailboxes(db: Engine, ports: tuple[int, int]) -> None:
    for email, ramp in ((REP, "10+5/day"), (REP2, None)):
        accounts.add_mailbox(
            db,
            accounts.NewMailbox(
                email=email,
                smtp=make_endpoint("smtp", "127.0.0.1", ports[0], "none"),
                imap=make_endpoint("imap", "127.0.0.1", ports[1], "none"),
                display_name=email.split("@")[0].title(),
                daily_cap=40,
                ramp=ramp,
            ),
            "secret",
        )
    with session_scope(db) as session:
        for box in session.exec(select(Mailbox)):
            box.timezone = "UTC"
            box.created_at = STARTED
            if box.email == REP2:
                box.paused, box.pause_reason = True, "535 5.7.8 authentication failed"
                box.paused_at = NOW - timedelta(hours=2)
            session.add(box)


def _prospects(db: Engine) -> None:
    with session_scope(db) as session:
        for n, (email, first, last, company) in enumerate(PEOPLE):
            row = Prospect(
                email=email,
                domain=email.split("@")[1],
                first_name=first,
                last_name=last,
                company=company,
                timezone="Europe/Berlin" if n % 2 else None,
                created_at=STARTED,
                updated_at=STARTED,
            )
            session.add(row)
            session.flush()
            session.add(ProspectTag(prospect_id=row.id, tag="q1" if n < 6 else "later"))


def _send_first_steps(db: Engine) -> None:
    """Step 1 went out to the first six on the start day, 5 minutes apart."""
    with session_scope(db) as session:
        sends = session.exec(select(Send).where(Send.step_index == 0).order_by(Send.id)).all()
        for n, send in enumerate(sends):
            send.state, send.sent_at = "sent", STARTED + timedelta(minutes=5 * n)
            send.smtp_code, send.smtp_response = 250, "250 OK"
            session.add(send)
            session.flush()
            advance_after_sent(session.connection(), send.id or 0, send.sent_at)


def _enrollment(session: Session, email: str) -> Enrollment:
    return session.exec(
        select(Enrollment).join(Prospect).where(Prospect.email == email, Enrollment.campaign_id == 1)
    ).one()


def _inbound(db: Engine) -> None:
    received = STARTED + timedelta(hours=2)
    with session_scope(db) as session:
        ben = _enrollment(session, "ben@kiefer.example")
        chris = _enrollment(session, "chris@kiefer.example")
        dana = _enrollment(session, "dana@lumen.example")
        emil = _enrollment(session, "emil@quarz.example")
        frieda = _enrollment(session, "nobody@quarz.example")
        back = NOW + timedelta(days=11)
        messages: list[tuple[str, Enrollment, str, str, str | None, dict[str, Any], list[Action]]] = [
            ("reply", ben, "ben@kiefer.example", "Re: Kiefer and cold email",
             "Hi Lena,\n\nthanks for reaching out – this sounds interesting.\nCould we have a short call next week?\n\nBest regards\nBen",
             {"evidence": "a person's text"},
             [End(ben.id or 0, "replied", "reply"), End(chris.id or 0, "stopped", "company_reply")]),
            ("auto_reply", dana, "dana@lumen.example", "Out of Office: Lumen and cold email",
             "I am out of the office until March 12 with no access to email.",
             {"evidence": "Auto-Submitted: auto-replied", "return_date": (back.date() - timedelta(days=1)).isoformat()},
             [Pause(dana.id or 0, back)]),
            ("unsubscribe", emil, "emil@quarz.example", "Re: Quick question, Emil",
             "Please remove me from your list, no more emails.", {"evidence": "phrase: remove me"},
             [Suppress("emil@quarz.example", "unsubscribe", "unsubscribe request"),
              End(emil.id or 0, "unsubscribed", "unsubscribe")]),
            ("bounce", frieda, "mailer-daemon@sales.example", "Undelivered Mail Returned to Sender",
             None, {"evidence": "multipart/report", "status": "5.1.1", "hard": True},
             [End(frieda.id or 0, "bounced", "hard bounce 5.1.1 user_unknown"),
              Suppress("nobody@quarz.example", "bounce", "hard bounce 5.1.1")]),
        ]  # fmt: skip
        for n, (kind, enrollment, sender, subject, body, details, actions) in enumerate(messages):
            row = InboundMessage(
                mailbox_id=1, folder="INBOX", uidvalidity=1, uid=n + 1,
                message_id=f"<in{n}@example>", from_addr=sender, subject=subject,
                received_at=received + timedelta(minutes=20 * n), kind=kind,
                details=details, new_text=body, enrollment_id=enrollment.id,
                handled_at=received, created_at=received,
            )  # fmt: skip
            session.add(row)
            session.flush()
            cause = Cause("inbox", inbound_id=row.id, message_id=row.message_id)
            done = apply_actions(session.connection(), actions, cause, received)
            row.details = {**details, "actions": done}
            about = Subject(enrollment.campaign_id, enrollment.id, enrollment.prospect_id, 1)
            record(
                session.connection(), EventKind(kind), about, inbound_id=row.id,
                sender=sender, subject=subject,
            )  # fmt: skip


def _fix_times(db: Engine) -> None:
    """Events and row stamps written with the real clock get fixed ones."""
    with db.begin() as conn:
        conn.execute(text("UPDATE event SET at = :t WHERE send_id IS NULL AND inbound_id IS NULL"),
                     {"t": STARTED})  # fmt: skip
        conn.execute(text(
            "UPDATE event SET at = (SELECT sent_at FROM send WHERE send.id = event.send_id) "
            "WHERE send_id IS NOT NULL"))  # fmt: skip
        conn.execute(text(
            "UPDATE event SET at = (SELECT received_at FROM inboundmessage i "
            "WHERE i.id = event.inbound_id) WHERE inbound_id IS NOT NULL"))  # fmt: skip
        conn.execute(text("UPDATE send SET updated_at = COALESCE(sent_at, due_at), created_at = :t"),
                     {"t": STARTED})  # fmt: skip
        conn.execute(text("UPDATE send SET updated_at = :t WHERE state = 'cancelled'"),
                     {"t": STARTED + timedelta(hours=2)})  # fmt: skip
        conn.execute(text("UPDATE enrollment SET created_at = :t, updated_at = :t"), {"t": STARTED})
        conn.execute(text("UPDATE campaign SET created_at = :t"), {"t": STARTED})


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world built once per session (its database file is copied for each test)."""
    home = tmp_path_factory.mktemp("tui-world") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTREACH_HOME", str(home))
        patch.delenv("OUTREACH_DB_URL", raising=False)
        patch.setenv("XDG_DATA_HOME", str(home.parent / "xdg-data"))
        patch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        keyring.core.init_backend()
        world = seed_world(home)
        with world.db.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        world.db.dispose()
    keyring.core.init_backend()
    return home


@pytest.fixture
def world(outreach_home: Path, world_template: Path) -> World:
    """A fresh copy of the fixed world in this test's OUTREACH_HOME."""
    outreach_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copy(world_template / "outreach.db", outreach_home / "outreach.db")
    shutil.copytree(world_template / "sequences", outreach_home / "sequences")
    return World(open_store(), outreach_home / "sequences", outreach_home / "sequences" / "q1.yaml")


# -- Pilot helpers --------------------------------------------------------------------


def make_app(world: World, **overrides: Any) -> Any:
    """The app on the fixed world: fixed clock, UTC, no periodic refresh, no engine."""
    from outreach.tui.factory import build_app

    options: dict[str, Any] = {
        "db": world.db,
        "sequences_dir": world.sequences,
        "engine_factory": None,
        "now": fixed_clock,
        "tz": ZoneInfo("UTC"),
        "refresh_seconds": 0,
    }
    return build_app(**(options | overrides))


async def settle(pilot: Any, deadline: float = 20.0) -> None:
    """Wait until the app's workers (but a hosted engine) are done and messages handled."""
    app = pilot.app

    def busy() -> list[Any]:
        return [w for w in app.workers if w.group != "engine" and not w.is_finished]

    async def finish_them() -> None:
        from textual.worker import WorkerCancelled

        with contextlib.suppress(WorkerCancelled):  # replaced by a newer one: finished too
            await app.workers.wait_for_complete(busy())
        await pilot.pause()

    await pilot.pause()
    await polling.until(busy, deadline, what="the app's workers to finish",
                        ok=lambda workers: not workers, pause=finish_them)
    await pilot.pause()


async def until(
    pilot: Any, condition: Callable[[], object], deadline: float = 20.0, *, what: str
) -> None:
    """Let the app run until ``condition()`` holds; fail after ``deadline`` seconds."""

    async def settle_a_while() -> None:
        await settle(pilot, deadline)
        if not condition():
            await pilot.pause(0.05)

    await polling.until(condition, deadline, what=what, pause=settle_a_while)


def screen_text(app: Any) -> str:
    """What the terminal shows now, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def table_rows(table: Any) -> list[list[str]]:
    """Every row of a table as plain strings, with every column (shown or not)."""
    if hasattr(table, "full_rows"):
        return list(table.full_rows())
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


# -- every screen, as the snapshot tests and scripts/tui_captures.py reach it ------------

LEADS = (
    "Vorname;Nachname;Firma;E-Mail;Position\r\n"
    "Max;Müller;Müller GmbH;max.mueller@prospects.test;Geschäftsführer\r\n"
    "Jana;Schröder;Acme;jana@acme.test;CTO\r\n"
    "Kai;Kaputt;Nowhere;kai@@broken;CEO\r\n"
    "Ole;Weiß;Acme;ole@acme.test;\r\n"
    "Eva;Leer;Leer AG;;CFO\r\n"
    "Udo;Unbekannt;Gone;udo@gone.test;CEO\r\n"
    "Tim;Tief;Tief;tim at tief.test;COO\r\n"
)
"""Lena's export from Excel: semicolons, Windows-1252 umlauts, three broken rows."""


def write_leads(folder: Path) -> Path:
    path = folder / "leads.csv"
    path.write_bytes(LEADS.encode("cp1252"))
    return path


def choose_leads(app: Any) -> None:
    app.screen.choose(Path.cwd() / "leads.csv")


SCREENS: tuple[tuple[str, tuple[str, ...], Callable[[Any], None] | None], ...] = (
    ("dashboard", (), None),
    ("campaigns", ("2",), None),
    ("campaign", ("2", "enter"), None),
    ("campaign_plan", ("2", "l"), None),
    ("campaign_new", ("2", "a"), None),
    ("campaign_start", ("2", "down", "s"), None),
    ("campaign_export", ("2", "w"), None),
    ("prospects", ("3",), None),
    ("prospect_timeline", ("3", "down", "enter"), None),
    ("prospect_add_to_campaign", ("3", "end", "a"), None),
    ("prospects_import", ("3", "i"), choose_leads),
    ("inbox", ("4",), None),
    ("inbox_reply", ("4", "f"), None),
    ("sequences", ("5",), None),
    ("sequence_preview", ("5", "down", "v", "enter"), None),
    ("mailboxes", ("6",), None),
    ("mailbox_form", ("6", "a"), None),
    ("help", ("question_mark",), None),
    ("tasks", ("7",), None),
)
"""Each screen: its name, the keys that reach it from the start, and a last step."""

SIZES = ((100, 30), (160, 48))


async def reach(pilot: Any, keys: tuple[str, ...], after: Callable[[Any], None] | None) -> None:
    """Press ``keys`` one by one (workers finished after each), run ``after``; no blinking."""
    from textual.widgets import Input

    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    if after is not None:
        after(pilot.app)
        await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await settle(pilot)
