"""Stored values (states, reasons, kinds, intents, event kinds) in the rep's words.

The values themselves (``stopped``, ``company_reply``, ``auto_reply``) stay English in the
database, ``--json``, YAML and CSV exports; views keep them raw in their data and these
functions give the label a person reads. Terms follow ``docs/glossary.md``. An unknown
value is shown as it is (underscores as spaces), never hidden.
"""

from __future__ import annotations

import re

from outreach.i18n import N_, SOURCE, _, current, pgettext

#: Campaign, enrollment and send states.
STATES: dict[str, str] = {
    "draft": N_("draft"),
    "active": N_("active"),
    "paused": N_("paused"),
    "archived": N_("archived"),
    "finished": N_("finished"),
    "replied": N_("replied"),
    "stopped": N_("stopped"),
    "bounced": N_("bounced"),
    "unsubscribed": N_("unsubscribed"),
    "invalid": N_("invalid"),
    "failed": N_("failed"),
    "scheduled": N_("queued"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "deferred": N_("deferred"),
    "cancelled": N_("cancelled"),
}

#: What an inbound message is.
MESSAGE_KINDS: dict[str, str] = {
    "reply": N_("reply"),
    "auto_reply": N_("auto-reply"),
    "bounce": N_("bounce"),
    "unsubscribe": N_("opt-out"),
    "other": N_("other"),
}

#: What a reply means (glossary: Absicht).
INTENTS: dict[str, str] = {
    "interested": N_("interested"),
    "question": N_("question"),
    "not_now": N_("not now"),
    "referral": N_("referral"),
    "wrong_person": N_("wrong person"),
    "not_interested": N_("not interested"),
    "other": N_("other"),
}

#: Why an enrollment stopped or paused (the fixed reasons; others are parsed below).
REASONS: dict[str, str] = {
    "company_reply": N_("a colleague at the same company replied"),
    "auto_reply": N_("out of office"),
    "not_now": N_("asked to be contacted later"),
    "reply": N_("reply"),
    "unsubscribe": N_("opt-out"),
    "refused": N_("refused"),
    "manual": N_("by hand"),
    "bounce": N_("bounce"),
    "verified again": N_("verified again"),
}

#: Events of a timeline.
EVENT_KINDS: dict[str, str] = {
    "enrolled": N_("enrolled"),
    "enroll_skipped": N_("not enrolled"),
    "sent": N_("sent"),
    "deferred": N_("deferred"),
    "failed": N_("failed"),
    "bounce": N_("bounce"),
    "soft_bounce": N_("temporary bounce"),
    "in_doubt_resolved": N_("send in doubt resolved"),
    "replied": N_("replied"),
    "stopped": N_("stopped"),
    "bounced": N_("bounced"),
    "unsubscribed": N_("unsubscribed"),
    "invalid": N_("invalid"),
    "paused": N_("paused"),
    "resumed": N_("resumed"),
    "reopened": N_("reopened"),
    "finished": N_("finished"),
    "reply": N_("reply"),
    "auto_reply": N_("auto-reply"),
    "unsubscribe": N_("opt-out"),
    "other": N_("other"),
    "reclassified": N_("re-classified"),
    "interest": N_("interest"),
    "held": N_("held for review"),
    "campaign_started": N_("campaign started"),
    "campaign_paused": N_("campaign paused"),
    "campaign_active": N_("campaign resumed"),
    "campaign_archived": N_("campaign archived"),
    "campaign_updated": N_("campaign updated"),
    "mailbox_paused": N_("mailbox paused"),
    "mailbox_resumed": N_("mailbox resumed"),
    "sent_copy_failed": N_("copy to Sent failed"),
    "engine_error": N_("engine error"),
    "engine_recovered": N_("engine recovered"),
    "intent_corrected": N_("intent corrected"),
    "referral_proposed": N_("referral proposed"),
    "referral_enrolled": N_("referral enrolled"),
    "triaged": N_("triaged"),
}

#: Address verification verdicts.
VERDICTS: dict[str, str] = {
    "valid": N_("valid"),
    "risky": N_("risky"),
    "invalid": N_("invalid"),
    "unknown": N_("unknown"),
}

#: Why an address was found invalid or unknown (stored in English: the enrollment's
#: reason, the domain cache).
_VERDICT_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words) for pattern, words in (
        (r"^not a valid address: (?P<x>.*)$", N_("not a valid address: {x}")),
        (r"^a disposable \(throwaway\) inbox domain$", N_("a disposable (throwaway) inbox domain")),
        (r"^domain not checked$", N_("domain not checked")),
        (r"^a role account, not a person$", N_("a role account, not a person")),
        (r"^the domain does not exist \(NXDOMAIN\)$", N_("the domain does not exist (NXDOMAIN)")),
        (r"^DNS could not tell: the lookup timed out$",
         N_("DNS could not tell: the lookup timed out")),
        (r"^DNS could not tell: no DNS server answered \(SERVFAIL or refused\)$",
         N_("DNS could not tell: no DNS server answered (SERVFAIL or refused)")),
        (r"^DNS could not tell: (?P<x>.*)$", N_("DNS could not tell: {x}")),
        (r"^null MX: the domain accepts no mail \(RFC 7505\)$",
         N_("null MX: the domain accepts no mail (RFC 7505)")),
        (r"^no MX, delivers to its (?P<x>\w+) record$", N_("no MX, delivers to its {x} record")),
        (r"^the domain has no MX and no A record$", N_("the domain has no MX and no A record")),
    )
)

_IN_CAMPAIGN = re.compile(r"^(?P<state>\w+) in campaign (?P<campaign>.+?): (?P<reason>.*)$")
_HARD = re.compile(r"^hard bounce ?(?P<detail>.*)$")
_SOFT = re.compile(r"^soft bounce #(?P<count>\d+) ?(?P<detail>.*)$")
_SUPPRESSED = re.compile(r"^suppressed \((?P<why>\w+)\)$")
_REFUSED = re.compile(r"^refused: (?P<said>.*)$", re.S)


def _lookup(table: dict[str, str], value: object) -> str:
    text = str(value or "")
    return _(table[text]) if text in table else text.replace("_", " ")


def state(value: object) -> str:
    """A campaign, enrollment or send state in words."""
    return _lookup(STATES, value)


def message_kind(value: object) -> str:
    """What an inbound message is, in words."""
    return _lookup(MESSAGE_KINDS, value)


def intent(value: object) -> str:
    """What a reply means, in words."""
    return _lookup(INTENTS, value)


def event_kind(value: object) -> str:
    """A timeline event in words."""
    return _lookup(EVENT_KINDS, value)


def verdict(value: object) -> str:
    """An address verification verdict in words."""
    return _lookup(VERDICTS, value)


def reason(value: object) -> str:
    """Why an enrollment ended or paused, in words: ``company_reply`` → "a colleague at the
    same company replied"; ``hard bounce 5.1.1 user_unknown`` → "dauerhaft unzustellbar (5.1.1
    Empfänger unbekannt)" in German; a reason we cannot read is shown as it is."""
    text = str(value or "")
    if text in REASONS:
        return _(REASONS[text])
    if match := _IN_CAMPAIGN.match(text):
        return _("{state} in campaign {campaign}: {reason}").format(
            state=state(match["state"]), campaign=match["campaign"], reason=reason(match["reason"])
        )
    if match := _HARD.match(text):
        detail = _bounce_detail(match["detail"])
        return _("hard bounce {detail}").format(detail=detail) if detail else _("hard bounce")
    if match := _SOFT.match(text):
        detail = _bounce_detail(match["detail"])
        if detail:
            return _("soft bounce #{count} {detail}").format(count=match["count"], detail=detail)
        return _("soft bounce #{count}").format(count=match["count"])
    if match := _REFUSED.match(text):
        return _("refused: {said}").format(said=match["said"])
    if match := _SUPPRESSED.match(text):
        return _("suppressed: {reason}").format(reason=suppression_reason(match["why"]))
    for pattern, words in _VERDICT_REASONS:
        if found := pattern.match(text):
            return _(words).format(x=found.groupdict().get("x", ""))
    return text.replace("_", " ") if re.fullmatch(r"[a-z_]+", text) else text


#: Why a recipient failed (``BounceReason`` values); English shows the value as stored.
BOUNCE_REASONS: dict[str, str] = {
    "user_unknown": N_("recipient unknown"),
    "host_unknown": N_("domain unknown"),
    "has_moved": N_("mailbox moved"),
    "not_accept": N_("domain takes no mail"),
    "mailbox_full": N_("mailbox full"),
    "disabled": N_("mailbox disabled"),
    "expired": N_("delivery given up"),
    "delayed": N_("delayed"),
    "blocked": N_("blocked"),
    "refused": N_("refused"),
    "other": N_("other"),
}


def _bounce_detail(detail: str) -> str:
    """``5.1.1 user_unknown`` as stored in English; ``5.1.1 Empfänger unbekannt`` in German."""
    if current() == SOURCE:
        return detail.strip()
    return " ".join(
        _(BOUNCE_REASONS[word]) if word in BOUNCE_REASONS else word for word in detail.split()
    )


#: The classifier's evidence (stored in English, a trace of what it saw), part by part:
#: (pattern, words); ``{x}`` is the part's quoted text, kept as it is.
_EVIDENCE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), words) for pattern, words in (
        (r"^subject (?P<x>.+)$", N_("subject {x}")),
        (r"^text (?P<x>.+)$", N_("text {x}")),
        (r"^sender (?P<x>.+)$", N_("sender {x}")),
        (r"^empty From \(null sender\)$", N_("empty From (null sender)")),
        (r"^mail system sender (?P<x>.+)$", N_("mail system sender {x}")),
        (r"^mailing-list software sender (?P<x>.+)$", N_("mailing-list software sender {x}")),
        (r"^challenge-response notice (?P<x>.+)$", N_("challenge-response notice {x}")),
        (r"^report text (?P<x>.+)$", N_("report text {x}")),
        (r"^SMTP code (?P<x>.+)$", N_("SMTP code {x}")),
        (r"^failure statement (?P<x>.+)$", N_("failure statement {x}")),
        (r"^X-Failed-Recipients header$", N_("X-Failed-Recipients header")),
        (r"^returned original attached$", N_("returned original attached")),
        (r"^null Return-Path$", N_("null Return-Path")),
        (r"^Amazon SES bounce notification \(JSON\)$", N_("Amazon SES bounce notification (JSON)")),
        (r"^delivery report without failures$", N_("delivery report without failures")),
        (r"^DSN part$", N_("DSN part")),
        (r"^RFC 3464 delivery status notification$",
         N_("RFC 3464 delivery status notification")),
        (r"^unreadable message \((?P<x>[^)]*)\)$", N_("unreadable message ({x})")),
        (r"^sent from our own address$", N_("sent from our own address")),
        (r"^ARF feedback report$", N_("ARF feedback report")),
        (r"^list or bulk mail$", N_("list or bulk mail")),
        (r"^written by a person$", N_("written by a person")),
        (r"^disposition notification \((?P<x>[^)]*)\)$", N_("disposition notification ({x})")),
        (r"^message refused: disposition (?P<x>\S+) \(RFC 8098\)$",
         N_("message refused: disposition {x} (RFC 8098)")),
        (r"^re-classified by hand$", N_("re-classified by hand")),
        (r"^not classified within (?P<x>\S+) s: set aside for review$",
         N_("not classified within {x} s: set aside for review")),
    )
)
_NESTED = re.compile(r"^(?P<what>delay warning|forwarded report): (?P<rest>.+)$", re.S)
_NESTED_WORDS = {"delay warning": N_("delay warning: {x}"),
                 "forwarded report": N_("forwarded report: {x}")}

#: Why the intent reader decided as it did (stored in English).
_WHY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words) for pattern, words in (
        (r"^no new text$", N_("no new text")),
        (r"^set by hand \((?P<x>[^)]*)\)$", N_("set by hand ({x})")),
        (r"^names a time \((?P<x>[^)]*)\)$", N_("names a time ({x})")),
        (r"^names another address$", N_("names another address")),
        (r"^asks a question$", N_("asks a question")),
        (r"^names somebody$", N_("names somebody")),
        (r"^asks about us, not the offer$", N_("asks about us, not the offer")),
        (r"^says it reached the wrong person$", N_("says it reached the wrong person")),
    )
)


#: Why a message was held for review (stored in English by the lifecycle rules).
_HELD: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words) for pattern, words in (
        (r"^display name claims (?P<x>.+); sent from (?P<y>.+)$",
         N_("display name claims {x}; sent from {y}")),
        (r"^bounce not tied to a message we sent \(no Message-ID of ours in it\)$",
         N_("bounce not tied to a message we sent (no Message-ID of ours in it)")),
        (r"^sender not authenticated \((?P<x>.+)\) and not in a thread of ours$",
         N_("sender not authenticated ({x}) and not in a thread of ours")),
    )
)


def held(value: object) -> str:
    """Why a message waits for a person, in the rep's words."""
    return _part(str(value or ""), _HELD)


#: Why a campaign or mailbox was paused by outreach itself (stored in English); a reason
#: the rep typed is shown as it is.
_PAUSED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words) for pattern, words in (
        (r"^(?P<bounced>\d+) of the last (?P<window>\d+) sends bounced \((?P<share>[^,]+), "
         r"limit (?P<limit>[^)]+)\): check the prospect list, then `outreach campaign resume`$",
         N_("{bounced} of the last {window} sends bounced ({share}, limit {limit})")),
        (r"^(?P<bounced>\d+) of the first (?P<seen>\d+) sends bounced \((?P<share>.+?) of a "
         r"(?P<window>\d+)-send window, limit (?P<limit>[^)]+)\): check the prospect list, "
         r"then `outreach campaign resume`$",
         N_("{bounced} of the first {seen} sends bounced ({share} of a {window}-send window, "
            "limit {limit})")),
        (r"^sign in again: (?P<command>outreach mailbox login \S+)$",
         N_("sign in again: {command}")),
        (r"^login refused: (?P<x>.*)$", N_("login refused: {x}")),
        (r"^login required/refused: (?P<x>.*)$", N_("login required/refused: {x}")),
        (r"^TLS failed: (?P<x>.*)$", N_("TLS failed: {x}")),
    )
)
_RESUME_HINT = N_("check the prospect list, then `outreach campaign resume`")

BY_HAND = "paused by hand"
"""The pause reason stored when the rep pauses from the CLI without giving one."""
BY_HAND_TUI = "paused by hand in the TUI"
"""The pause reason stored when the rep pauses from the TUI."""


def pause_reason(value: object) -> str:
    """Why a campaign or mailbox is paused, in the rep's words (a typed reason as it is).

    Every reason outreach writes is stored in English (``mailbox login`` compares it) and
    put into words only here."""
    text = str(value or "")
    if text == BY_HAND:
        return pgettext("pause reason", "paused by hand")
    if text == BY_HAND_TUI:
        return _("paused by hand in the TUI")
    for pattern, words in _PAUSED:
        match = pattern.match(text)
        if match is None:
            continue
        found = match.groupdict()
        if "share" in found and current() != SOURCE:
            found = {k: v.replace(".", ",") for k, v in found.items()}
        said = _(words).format(**found)
        return said + ": " + _(_RESUME_HINT) if "bounced" in found else said
    return text


def _part(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, words in table:
        match = pattern.match(text)
        if match:
            found = match.groupdict()
            return _(words).format(x=found.get("x", ""), y=found.get("y", ""))
    return text


def evidence(value: object) -> str:
    """What the classifier saw, in the rep's words: ``subject 'Abwesend'`` → ``Betreff
    'Abwesend'``; header names, codes and quoted text stay as they are."""
    parts = []
    for part in str(value or "").split("; "):
        nested = _NESTED.match(part)
        if nested:
            inner = evidence(nested["rest"])
            parts.append(_(_NESTED_WORDS[nested["what"]]).format(x=inner))
        else:
            parts.append(_part(part, _EVIDENCE))
    return "; ".join(parts)


def why(value: object) -> str:
    """One reason of the intent reader in the rep's words (as it is when unknown)."""
    return _part(str(value or ""), _WHY)


def suppression_reason(value: object) -> str:
    """Why an address is on the suppression list (``manual``, ``bounce`` …) in words."""
    reasons = {
        "manual": pgettext("suppression reason", "by hand"),
        "import": pgettext("suppression reason", "imported"),
        "bounce": pgettext("suppression reason", "bounced"),
        "unsubscribe": pgettext("suppression reason", "unsubscribed"),
        "complaint": pgettext("suppression reason", "complaint"),
    }
    text = str(value or "")
    return reasons.get(text, text)


def state_with_reason(value: object, why: object = None) -> str:
    """``stopped`` with ``company_reply`` → "stopped (a colleague at the same company
    replied)"; without a reason, the state alone."""
    label = state(value)
    return _("{state} ({reason})").format(state=label, reason=reason(why)) if why else label


_ENDED = re.compile(r"^enrollment (?P<state>\w+): (?P<reason>.*)$", re.S)


def send_error(value: object) -> str:
    """Why a send did not go (``Send.error``, stored in English): ``enrollment replied:
    reply`` → "not sent: replied (reply)"; a server's or our own text as it is."""
    text = str(value or "")
    if match := _ENDED.match(text):
        return _("not sent: {state} ({reason})").format(
            state=state(match["state"]), reason=reason(match["reason"]))
    return text


def step_label(index: int) -> str:
    """A step counted from 1 for people: ``step 2``."""
    return pgettext("sequence step", "step {number}").format(number=index + 1)
