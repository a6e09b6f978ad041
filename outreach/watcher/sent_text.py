"""The text of the steps we sent that an inbound message answers (we know what we sent).

The classifier drops lines of a reply that repeat it (see
:mod:`outreach.mailbox.classify.ours`), so our own opt-out PS quoted back in any style is
never read as the prospect's words. The answered sends are those the message names in
In-Reply-To/References; a message naming none (a client that drops them) is compared with
the last steps sent to its sender. Each step is rendered again, as the engine rendered it
(spintax and variants are seeded per prospect, so the words are the same).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlmodel import Session, col, select

from outreach.lifecycle.facts import load_facts
from outreach.mailbox.classify.html_text import html_to_text
from outreach.mailbox.headers import HeaderFacts
from outreach.sequences import render_step
from outreach.sequences.prospect import prospect_fields
from outreach.states import SendState
from outreach.store.models import Enrollment, Prospect, Send

log = logging.getLogger(__name__)

MAX_STEPS = 6
"""Steps compared at most: a thread rarely has more, and each is rendered again."""


def answered_texts(session: Session, facts: HeaderFacts) -> tuple[str, ...]:
    """Plain (and HTML-as-text) bodies of the steps ``facts`` answers, newest first."""
    send_ids = _referenced_sends(session, facts.referenced) or _sends_to(session, facts.from_addr)
    texts: list[str] = []
    for send_id in send_ids[:MAX_STEPS]:
        texts.extend(_rendered(session, send_id))
    return tuple(texts)


def _referenced_sends(session: Session, referenced: Iterable[str]) -> list[int]:
    ids = list(dict.fromkeys(referenced))[-50:]
    if not ids:
        return []
    query = (
        select(Send.id)
        .where(col(Send.message_id).in_(ids), col(Send.last_attempt_at).is_not(None))
        .order_by(col(Send.id).desc())
    )
    return [row for row in session.exec(query) if row is not None]


def _sends_to(session: Session, sender: str | None) -> list[int]:
    if not sender:
        return []
    query = (
        select(Send.id)
        .join(Enrollment, col(Enrollment.id) == col(Send.enrollment_id))
        .join(Prospect, col(Prospect.id) == col(Enrollment.prospect_id))
        .where(col(Prospect.email) == sender, col(Send.state) == SendState.SENT)
        .order_by(col(Send.id).desc())
        .limit(MAX_STEPS)
    )
    return [row for row in session.exec(query) if row is not None]


def _rendered(session: Session, send_id: int) -> list[str]:
    facts = load_facts(session.connection(), send_id)
    if facts is None:
        return []
    try:
        fields = prospect_fields(facts.prospect)
        rendered = render_step(facts.sequence, facts.step_index, fields, facts.variant)
    except Exception as exc:  # noqa: BLE001 - an unrenderable old step only weakens the check
        log.warning("could not render send %s again to compare a reply (%s)", send_id, exc)
        return []
    return [rendered.body, *([html_to_text(rendered.html)] if rendered.html else [])]
