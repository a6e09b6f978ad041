"""The person is the unit of stopping, on the real Postfix + Dovecot stack.

Prospect P is live in two campaigns sent from two mailboxes; P's colleague Q (same
company domain) is in the second, whose sequence stops on a company reply. P answers the
first campaign's first email (a reply, an opt-out), or P's address is dead (a real
Postfix bounce): nothing more goes to P from either campaign, nothing to Q where the
company stop applies, and each enrollment's end names the message that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.campaigns import service
from outreach.prospects.suppression import is_suppressed
from outreach.services import inbox_watcher
from outreach.store import open_store
from outreach.store.models import Campaign, Enrollment, Event, InboundMessage, Prospect, Send
from tests.fixtures.campaigns import add_mailbox, add_prospects, fast_config, write_sequence
from tests.fixtures.mailstack import REP2, MailStack
from tests.test_watcher_support import Services, fast_watcher_config, reply_to, unique_local

pytestmark = pytest.mark.mailstack

CONTROL = "carol@prospects.test"
"""In the second campaign only, at another company: runs to the end, so the engine ran
long enough for every follow-up that was still wanted to go out."""
Q = "erin@acme.test"


@dataclass(frozen=True)
class TwoCampaigns:
    db: Engine
    reps: tuple[str, str]
    person: str


def new_rep(mailstack: MailStack) -> str:
    address = f"{unique_local('rep')}@sales.test"
    mailstack.add_user(address, "rep-secret")
    return address


def two_campaigns(mailstack: MailStack, tmp_path: Path, person: str) -> TwoCampaigns:
    """C1 from rep 1 to ``person``; C2 from rep 2 to ``person``, Q and the control."""
    db = open_store()
    reps = new_rep(mailstack), new_rep(mailstack)
    for rep in reps:
        add_mailbox(db, rep, "rep-secret", mailstack.host, mailstack.smtp_port,
                    mailstack.imaps_port, security="starttls", insecure=True)  # fmt: skip
    add_prospects(db, [person], tag="one")
    add_prospects(db, [Q, CONTROL], tag="two")
    sequence = write_sequence(tmp_path / "s.yaml", wait="5s", gap="0s")
    service.create_campaign(db, "c1", sequence, [reps[0]], tags=["one"])
    service.start_campaign(db, "c1")
    plain = service.create_campaign(db, "c2", sequence, [reps[1]], tags=["one", "two"])
    assert [(s.email, s.why) for s in plain.skipped] == [(person, "active_elsewhere")]
    assert "already in campaign c1 (step 1 of 3)" in plain.skipped[0].reason
    anyway = service.add_prospects(db, "c2", [person], include_active=True)  # --include-active
    assert anyway.enrolled == 1 and not anyway.skipped
    service.start_campaign(db, "c2")
    return TwoCampaigns(db, reps, person)


def sent_to(db: Engine, email: str) -> list[tuple[str, int, str]]:
    """(campaign, step, Message-ID) of every send that went out to ``email``."""
    with Session(db) as session:
        rows = session.exec(
            select(Campaign.name, Send.step_index, Send.message_id)
            .join(Campaign, col(Campaign.id) == col(Send.campaign_id))
            .join(Prospect, col(Prospect.id) == col(Send.prospect_id))
            .where(Prospect.email == email, col(Send.state).in_(("sent", "failed")))
            .order_by(col(Send.id))
        )
        return list(rows.all())


def ends_of(db: Engine, email: str) -> dict[str, tuple[str, str | None]]:
    """Campaign → (state, reason) of the person's enrollments."""
    with Session(db) as session:
        rows = session.exec(
            select(Campaign.name, Enrollment.state, Enrollment.reason)
            .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .where(Prospect.email == email)
        )
        return {name: (state, reason) for name, state, reason in rows.all()}


def end_events(db: Engine, email: str) -> dict[str, Event]:
    """Campaign → the event that ended the person's enrollment there."""
    ends = ("replied", "stopped", "bounced", "unsubscribed")
    with Session(db) as session:
        rows = session.exec(
            select(Campaign.name, Event)
            .join(Enrollment, col(Enrollment.id) == col(Event.enrollment_id))
            .join(Campaign, col(Campaign.id) == col(Enrollment.campaign_id))
            .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
            .where(Prospect.email == email, col(Event.kind).in_(ends))
        )
        return dict(rows.all())


def first_of(db: Engine, email: str, campaign: str) -> str:
    return next(mid for name, step, mid in sent_to(db, email) if name == campaign and step == 0)


def finished(db: Engine, email: str) -> bool:
    return ends_of(db, email).get("c2", ("", None))[0] == "finished"


async def answer(mailstack: MailStack, message: object) -> None:
    async with mailstack.smtp_client(REP2.address, REP2.password) as smtp:
        await smtp.send_message(message)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Danke, klingt interessant. Können wir Dienstag telefonieren?", "replied"),
        ("Bitte nehmen Sie mich aus Ihrem Verteiler, keine weiteren E-Mails.", "unsubscribed"),
    ],
)
async def test_an_answer_to_one_campaign_stops_the_person_in_both(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path, text: str, outcome: str
) -> None:
    person = "dave@acme.test"
    world = two_campaigns(mailstack, tmp_path, person)
    db, rep1 = world.db, world.reps[0]
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: {c for c, _s, _m in sent_to(db, person)} == {"c1", "c2"},
                             what="the first email of both campaigns to P")  # fmt: skip
        message = reply_to(person, rep1, in_reply_to=first_of(db, person, "c1"), text=text)
        await answer(mailstack, message)
        await services.until(lambda: finished(db, CONTROL), 60, what="the control finished")

    assert sorted((c, s) for c, s, _m in sent_to(db, person)) == [("c1", 0), ("c2", 0)]
    assert len(sent_to(db, Q)) <= 1  # at most the first email, before the answer came
    ends = ends_of(db, person)
    assert ends["c1"] == (outcome, "reply" if outcome == "replied" else "unsubscribe")
    assert ends["c2"][0] == "stopped" and f"{outcome} in campaign c1" in (ends["c2"][1] or "")
    assert ends_of(db, Q) == {"c2": ("stopped", "company_reply")}
    [inbound] = _inbound(db)
    events = end_events(db, person)
    for campaign in ("c1", "c2"):
        assert events[campaign].inbound_id == inbound.id
        assert events[campaign].data["cause_message_id"] == message["Message-ID"]
    assert (is_suppressed_now(db, person) is not None) == (outcome == "unsubscribed")


async def test_a_dead_address_stops_the_person_in_both(
    mailstack: MailStack, outreach_home: Path, tmp_path: Path
) -> None:
    person = f"{unique_local('gone')}@acme.test"  # no mailbox: Postfix bounces it (DSN)
    world = two_campaigns(mailstack, tmp_path, person)
    db = world.db
    async with Services(db, fast_config(), inbox_watcher(db, fast_watcher_config())) as services:
        await services.until(lambda: "c1" in ends_of(db, person) and ends_of(db, person)["c1"][0]
                             in ("bounced", "stopped"), 60, what="P's bounce handled")  # fmt: skip
        await services.until(lambda: finished(db, CONTROL), 60, what="the control finished")

    steps = [(c, s) for c, s, _m in sent_to(db, person)]
    assert all(step == 0 for _c, step in steps)  # no follow-up ever went to the dead address
    ends = ends_of(db, person)
    assert {state for state, _reason in ends.values()} <= {"bounced", "stopped"}
    assert "bounced" in {state for state, _reason in ends.values()}
    assert is_suppressed_now(db, person) is not None
    assert ends_of(db, Q) == {"c2": ("finished", None)}  # a bounce is no company stop
    bounced = next(c for c, (state, _r) in ends.items() if state == "bounced")
    event = end_events(db, person)[bounced]
    assert event.inbound_id is not None and event.data["cause_message_id"]


def _inbound(db: Engine) -> list[InboundMessage]:
    with Session(db) as session:
        return list(session.exec(select(InboundMessage)))


def is_suppressed_now(db: Engine, email: str) -> object:
    with Session(db) as session:
        return is_suppressed(session, email)
