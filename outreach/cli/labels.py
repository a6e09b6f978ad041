"""The words the CLI prints for stored values (states, kinds, intents), in the rep's language.

The values themselves (``paused``, ``auto_reply``) stay English in ``--json``, YAML and the
database; only what a person reads is translated. Each value is its own English message
(with a context telling translators what it is), so English output shows the value as
stored. Terms follow ``docs/glossary.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from outreach import i18n, wording
from outreach.i18n import _, pgettext


def _states() -> dict[str, str]:
    return {
        "draft": pgettext("state", "draft"),
        "active": pgettext("state", "active"),
        "paused": pgettext("state", "paused"),
        "archived": pgettext("state", "archived"),
        "finished": pgettext("state", "finished"),
        "replied": pgettext("state", "replied"),
        "stopped": pgettext("state", "stopped"),
        "bounced": pgettext("state", "bounced"),
        "unsubscribed": pgettext("state", "unsubscribed"),
        "invalid": pgettext("state", "invalid"),
        "failed": pgettext("state", "failed"),
        "scheduled": pgettext("state", "scheduled"),
        "sending": pgettext("state", "sending"),
        "sent": pgettext("state", "sent"),
        "deferred": pgettext("state", "deferred"),
        "cancelled": pgettext("state", "cancelled"),
        "valid": pgettext("state", "valid"),
        "risky": pgettext("state", "risky"),
        "unknown": pgettext("state", "unknown"),
    }


def _kinds() -> dict[str, str]:
    return {
        "reply": pgettext("inbound kind", "reply"),
        "auto_reply": pgettext("inbound kind", "auto_reply"),
        "bounce": pgettext("inbound kind", "bounce"),
        "unsubscribe": pgettext("inbound kind", "unsubscribe"),
        "other": pgettext("inbound kind", "other"),
    }


def _intents() -> dict[str, str]:
    return {
        "interested": pgettext("intent", "interested"),
        "question": pgettext("intent", "question"),
        "not_now": pgettext("intent", "not_now"),
        "referral": pgettext("intent", "referral"),
        "wrong_person": pgettext("intent", "wrong_person"),
        "not_interested": pgettext("intent", "not_interested"),
        "other": pgettext("intent", "other"),
        "total": pgettext("intent", "total"),
    }


def _reasons() -> dict[str, str]:
    return {
        "manual": pgettext("suppression reason", "manual"),
        "import": pgettext("suppression reason", "import"),
        "bounce": pgettext("suppression reason", "bounce"),
        "unsubscribe": pgettext("suppression reason", "unsubscribe"),
        "complaint": pgettext("suppression reason", "complaint"),
    }


def _events() -> dict[str, str]:
    return {
        "sent": pgettext("event", "sent"),
        "deferred": pgettext("event", "deferred"),
        "failed": pgettext("event", "failed"),
        "give_up": pgettext("event", "give_up"),
        "in_doubt": pgettext("event", "in_doubt"),
        "in_doubt_held": pgettext("event", "in_doubt_held"),
        "pause_mailbox": pgettext("event", "pause_mailbox"),
        "mailbox_paused": pgettext("event", "mailbox_paused"),
        "mailbox_resumed": pgettext("event", "mailbox_resumed"),
        "person_paused": pgettext("event", "person_paused"),
        "resumed": pgettext("event", "resumed"),
        "backlog_respread": pgettext("event", "backlog_respread"),
        "database_unwritable": pgettext("event", "database_unwritable"),
        "held": pgettext("event", "held"),
        "reply": pgettext("event", "reply"),
        "auto_reply": pgettext("event", "auto_reply"),
        "bounce": pgettext("event", "bounce"),
        "unsubscribe": pgettext("event", "unsubscribe"),
        "other": pgettext("event", "other"),
    }


def _delimiters() -> dict[str, str]:
    return {
        "comma": pgettext("delimiter", "comma"),
        "semicolon": pgettext("delimiter", "semicolon"),
        "tab": pgettext("delimiter", "tab"),
    }


def _groupings() -> dict[str, str]:
    return {
        "campaign": pgettext("report grouping", "campaign"),
        "step": pgettext("report grouping", "step"),
        "variant": pgettext("report grouping", "variant"),
        "mailbox": pgettext("report grouping", "mailbox"),
        "day": pgettext("report grouping", "day"),
        "intent": pgettext("report grouping", "intent"),
    }


def _secrets() -> dict[str, str]:
    return {
        "keyring": pgettext("secret source", "keyring"),
        "command": pgettext("secret source", "command"),
        "oauth2": pgettext("secret source", "oauth2"),
        "oauth2_command": pgettext("secret source", "oauth2_command"),
    }


def _word(table: dict[str, str], value: object) -> str:
    text = "" if value is None else str(value)
    return table.get(text, text)


def state(value: object) -> str:
    """A campaign, enrollment, send or verification state in words (unknown: as it is)."""
    return _word(_states(), value)


def kind(value: object) -> str:
    """What an inbound message is (reply, auto_reply, bounce …) in words."""
    return _word(_kinds(), value)


def intent(value: object) -> str:
    """What a reply means (interested, not_now …) in words."""
    return _word(_intents(), value)


def event(value: object) -> str:
    """What the engine or the watcher reports (``sent``, ``deferred`` …) in words."""
    return _word(_events(), value)


def clock(value: datetime) -> str:
    """The time of day to the second, in this machine's time zone (naive: UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return f"{aware.astimezone():%H:%M:%S}"


def delimiter(value: object) -> str:
    """The separator of a CSV file (comma, semicolon, tab) in words."""
    return _word(_delimiters(), value)


def grouping(value: object) -> str:
    """What a report's rows are grouped by (campaign, step …) in words."""
    return _word(_groupings(), value)


def secret_source(value: object) -> str:
    """Where a mailbox's secret comes from (keyring, command, oauth2 …) in words."""
    return _word(_secrets(), value)


def suppression_reason(value: object) -> str:
    """Why an address is on the suppression list (manual, bounce …) in words."""
    return _word(_reasons(), value)


def mailbox_state(paused: bool, reason: str | None) -> str:
    """``paused: why`` or ``active``, in words."""
    if paused:
        return _("paused: {reason}").format(reason=pause_reason(reason))
    return state("active")


BY_HAND = wording.BY_HAND
"""The pause reason stored when the rep gives none (English data, shown translated)."""


def pause_reason(reason: str | None) -> str:
    """A stored pause reason in words (:func:`outreach.wording.pause_reason`)."""
    return wording.pause_reason(reason)


def when(value: object) -> str:
    """A moment for a person: weekday, day and time in the rep's locale and this machine's
    time zone ("" for none; a naive value is UTC, as the database stores it)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return i18n.day_time(aware.astimezone())
    return "" if value is None else str(value)
