"""The lifecycle core: the only code that writes enrollment, send and event rows.

Engine, watcher, campaigns, CLI and TUI call these operations; each runs inside the
caller's transaction (a SQLAlchemy Core ``Connection``; an ORM session passes
``session.connection()``). The SQL lives in :mod:`outreach.store.repository`.

- :mod:`~outreach.states` — states and event kinds, the LIVE and PENDING sets
- :mod:`~outreach.lifecycle.events` — the one Event writer
- :mod:`~outreach.lifecycle.enrolling` — enroll, with the suppression and double-enrollment guards
- :mod:`~outreach.lifecycle.queueing` — queue a step (the next send row)
- :mod:`~outreach.lifecycle.sending` — around the SMTP transaction: sending, sent, deferred,
  failed, refused, in doubt
- :mod:`~outreach.lifecycle.ending` — end, pause, resume, reopen; the person is the unit
- :mod:`~outreach.lifecycle.suppressing` — suppress-and-stop
- :mod:`~outreach.lifecycle.rules` / :mod:`~outreach.lifecycle.inbound` — what an inbound
  message does (pure) and applying it
- :mod:`~outreach.lifecycle.campaigns` / :mod:`~outreach.lifecycle.mailboxes` — campaign and
  mailbox states, the bounce-rate guard
"""

from outreach.lifecycle.values import Cause, Subject
from outreach.states import (
    LIVE,
    PENDING,
    EnrollmentState,
    EventKind,
    SendState,
)

__all__ = ["LIVE", "PENDING", "Cause", "EnrollmentState", "EventKind", "SendState", "Subject"]
