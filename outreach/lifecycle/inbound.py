"""Applying what an inbound message decided (:mod:`outreach.lifecycle.rules`), each
change with its Event, in the caller's transaction.

Each enrollment's state is re-checked here (the engine may have changed it since the
decision). Ends come first, then suppressions (which stop whatever of the address is
still live), then the bounce-rate check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from outreach.errors import OutreachError
from outreach.lifecycle.campaigns import check_bounce_rate
from outreach.lifecycle.ending import (
    count_soft_bounce,
    end_enrollments,
    enrollment_refs,
    live_refs,
    pause_until,
)
from outreach.lifecycle.referrals import propose_referral
from outreach.lifecycle.rules import (
    Action,
    CheckBounceRate,
    End,
    Pause,
    ProposeReferral,
    SoftBounce,
    Suppress,
)
from outreach.lifecycle.suppressing import suppress_and_stop
from outreach.lifecycle.values import Cause
from outreach.prospects.suppression import normalize_value
from outreach.states import EnrollmentState
from outreach.store.repository import ENROLLMENT

log = logging.getLogger(__name__)

_ORDER = {End: 0, Pause: 0, SoftBounce: 0, Suppress: 1, ProposeReferral: 2, CheckBounceRate: 2}


def apply_actions(
    conn: Connection, actions: Iterable[Action], cause: Cause, now: datetime
) -> list[str]:
    """Apply ``actions``; returns what was done, as short sentences (for logs and events)."""
    done: list[str] = []
    for action in sorted(actions, key=lambda a: _ORDER[type(a)]):
        if _apply(conn, action, cause, now):
            done.append(str(action))
    return done


def _apply(conn: Connection, action: Action, cause: Cause, now: datetime) -> bool:
    if isinstance(action, Suppress):
        return _suppress(conn, action, cause, now)
    if isinstance(action, CheckBounceRate):
        return check_bounce_rate(conn, action.campaign_id, now)
    if isinstance(action, SoftBounce):  # counted even after the end (a late bounce)
        return _count_soft_bounce(conn, action, cause, now)
    if isinstance(action, ProposeReferral):
        return propose_referral(conn, action, cause, now)
    refs = live_refs(conn, ENROLLMENT.c.id == action.enrollment_id)
    if not refs:
        return False  # ended meanwhile
    if isinstance(action, End):
        state = EnrollmentState(action.state)
        return bool(end_enrollments(conn, refs, state, action.reason, cause, now))
    return pause_until(conn, refs[0], action.resume_at, cause, now, reason=action.reason)


def _count_soft_bounce(conn: Connection, action: SoftBounce, cause: Cause, now: datetime) -> bool:
    refs = enrollment_refs(conn, ENROLLMENT.c.id == action.enrollment_id)
    if not refs:
        return False
    count_soft_bounce(conn, refs[0], action.count, cause, now)
    return True


def _suppress(conn: Connection, action: Suppress, cause: Cause, now: datetime) -> bool:
    """Suppress an address; one our validator refuses (odd sender syntax) is skipped."""
    try:
        value = normalize_value(action.value)
    except OutreachError as exc:
        log.warning("not suppressed: %s", exc)
        return False
    done = suppress_and_stop(conn, [value], action.reason, action.source, cause, now)
    return any(outcome.added for outcome in done.outcomes)
