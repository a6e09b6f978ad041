"""The watcher's pure parts: header facts, screening, matching and decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from outreach.lifecycle.rules import (
    CheckBounceRate,
    End,
    Pause,
    Situation,
    SoftBounce,
    Suppress,
    Target,
    decide,
)
from outreach.lifecycle.values import EnrollmentRef
from outreach.mailbox.classify import (
    AutoReply,
    Bounce,
    BounceReason,
    Classification,
    FailedRecipient,
    Kind,
    default_rules,
)
from outreach.mailbox.headers import header_facts
from outreach.prospects.freemail import company_domain, is_freemail
from outreach.sequences import StopPolicy
from outreach.watcher.config import WatcherConfig
from outreach.watcher.matching import Candidates, Inbound, match_inbound
from outreach.watcher.screening import Known, screen

OURS = "<1.2.3@sales.test>"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = WatcherConfig()


def block(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def known(**overrides: frozenset[str]) -> Known:
    values = {
        "our_addresses": frozenset({"rep@sales.test"}),
        "our_message_ids": frozenset({OURS}),
        "prospect_addresses": frozenset({"anna@acme.test"}),
        "prospect_domains": frozenset({"acme.test"}),
    }
    values.update(overrides)
    return Known(**values)


# -- header facts -------------------------------------------------------------------------


def test_header_facts_read_threading_and_machine_headers() -> None:
    facts = header_facts(
        block(
            'From: "Anna A." <Anna@Acme.test>',
            "Message-ID: <reply-1@acme.test>",
            "In-Reply-To: <b@sales.test>",
            "References: <a@sales.test> <b@sales.test>",
            "Subject: =?utf-8?q?Re:_Gr=C3=BC=C3=9Fe?=",
            "Return-Path: <>",
            "Auto-Submitted: auto-replied",
        )
    )
    assert facts.from_addr == "anna@acme.test"
    assert facts.from_domain == "acme.test"
    assert facts.message_id == "<reply-1@acme.test>"
    assert facts.referenced == ("<b@sales.test>", "<a@sales.test>")
    assert facts.subject == "Re: Grüße"
    assert facts.null_sender and facts.automatic and not facts.report


def test_header_facts_of_a_dsn_and_of_nothing() -> None:
    dsn = header_facts(
        block(
            "From: MAILER-DAEMON@mx.test",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
        )
    )
    assert dsn.report and not dsn.null_sender
    empty = header_facts(b"")
    assert (empty.from_addr, empty.referenced, empty.report) == (None, (), False)


def test_a_missing_return_path_is_not_a_null_sender() -> None:
    assert not header_facts(block("From: a@b.test")).null_sender


# -- screening ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["From: rep@sales.test", f"Message-ID: {OURS}"], None),  # our Sent copy
        (["From: rep@sales.test", f"In-Reply-To: {OURS}"], None),  # our own follow-up
        (["From: rep@sales.test", "Subject: note to self"], None),
        (["From: x@other.test", f"References: {OURS}"], "thread"),
        (["From: MAILER-DAEMON@mx.test", "Subject: Undelivered Mail Returned to Sender"], "report"),
        (["From: someone@other.test", "Subject: Delivery Status Notification (Failure)"], "report"),
        (["From: anna@acme.test", "Subject: hello"], "prospect"),
        (["From: boss@acme.test", "Subject: hello"], "company"),
        (["From: news@shop.test", "Subject: 20% off"], None),
    ],
)
def test_screen_reads_only_what_may_concern_a_sequence(
    lines: list[str], reason: str | None
) -> None:
    assert screen(header_facts(block(*lines)), known(), default_rules()) == reason


# -- matching -------------------------------------------------------------------------------


def ref(
    id_: int, email: str, state: str = "active", mailbox: int = 1, campaign: int = 1
) -> EnrollmentRef:
    return EnrollmentRef(id_, campaign, id_ * 10, mailbox, email, email.split("@")[1], state)


ANNA = ref(1, "anna@acme.test")
ANNA_OLD = ref(2, "anna@acme.test", "finished")
ANNA_OTHER_BOX = ref(3, "anna@acme.test", mailbox=2)
BEN = ref(4, "ben@acme.test")
GINA = ref(5, "gina@gmail.com")

FOUND = Candidates(
    by_message_id={OURS: BEN},
    by_address={"anna@acme.test": [ANNA_OTHER_BOX, ANNA, ANNA_OLD], "gina@gmail.com": [GINA]},
    by_domain={"acme.test": [ANNA, BEN]},
)


def test_threading_headers_win_over_the_sender() -> None:
    match = match_inbound(Inbound("anna@acme.test", (OURS,)), FOUND, mailbox_id=1)
    assert (match.enrollment, match.via, match.company) == (BEN, "thread", "acme.test")


def test_sender_match_prefers_live_enrollments_of_this_mailbox() -> None:
    match = match_inbound(Inbound("anna@acme.test"), FOUND, mailbox_id=1)
    assert (match.enrollment, match.via) == (ANNA, "sender")
    assert (
        match_inbound(Inbound("anna@acme.test"), FOUND, mailbox_id=2).enrollment == ANNA_OTHER_BOX
    )


def test_a_finished_enrollment_is_still_linked() -> None:
    found = Candidates({}, {"anna@acme.test": [ANNA_OLD]}, {})
    match = match_inbound(Inbound("anna@acme.test"), found, mailbox_id=1)
    assert (match.enrollment, match.via) == (ANNA_OLD, "sender")


def test_company_match_needs_a_company_domain() -> None:
    colleague = match_inbound(Inbound("boss@acme.test"), FOUND, mailbox_id=1)
    assert (colleague.via, colleague.company) == ("company", "acme.test")
    freemail = match_inbound(Inbound("other@gmail.com"), FOUND, mailbox_id=1)
    assert (freemail.enrollment, freemail.via, freemail.company) == (None, "none", None)
    gina = match_inbound(Inbound("gina@gmail.com"), FOUND, mailbox_id=1)
    assert (gina.enrollment, gina.company) == (GINA, None)


def test_bounces_match_the_original_then_the_failed_recipient() -> None:
    by_id = Inbound("mailer-daemon@mx.test", bounce=True, original_message_id=OURS)
    assert match_inbound(by_id, FOUND, 1).via == "original"
    by_rcpt = Inbound("mailer-daemon@mx.test", bounce=True, failed_addresses=("anna@acme.test",))
    assert (match_inbound(by_rcpt, FOUND, 1).enrollment, match_inbound(by_rcpt, FOUND, 1).via) == (
        ANNA,
        "recipient",
    )
    unknown = Inbound("mailer-daemon@mx.test", bounce=True, failed_addresses=("x@y.test",))
    assert match_inbound(unknown, FOUND, 1).via == "none"


def test_freemail_list() -> None:
    assert is_freemail("gmail.com") and is_freemail("GMX.de") and is_freemail(None)
    assert not is_freemail("acme.test")
    assert company_domain("Acme.test") == "acme.test"


# -- decisions ------------------------------------------------------------------------------


def target(
    enrollment: EnrollmentRef = ANNA,
    *,
    on_reply: bool = True,
    company: bool = True,
    auto: str = "ignore",
    soft: int = 0,
) -> Target:
    return Target(enrollment, StopPolicy(on_reply, company, auto), soft, ZoneInfo("Europe/Berlin"))  # type: ignore[arg-type]


def reply() -> Classification:
    return Classification(Kind.REPLY, "person", new_text="Yes please")


def test_reply_ends_the_enrollment_and_stops_colleagues_by_policy() -> None:
    colleagues = [target(BEN), target(ref(6, "cleo@acme.test"), company=False)]
    actions = decide(reply(), Situation("anna@acme.test", target(), colleagues), CONFIG, NOW)
    assert actions == (End(1, "replied", "reply"), End(4, "stopped", "company_reply"))


def test_reply_with_on_reply_off_only_stops_colleagues() -> None:
    situation = Situation("anna@acme.test", target(on_reply=False), [target(BEN)])
    assert decide(reply(), situation, CONFIG, NOW) == (End(4, "stopped", "company_reply"),)


def test_reply_to_a_finished_enrollment_changes_nothing() -> None:
    assert decide(reply(), Situation("anna@acme.test", target(ANNA_OLD)), CONFIG, NOW) == ()


def test_unsubscribe_suppresses_sender_and_prospect() -> None:
    result = Classification(Kind.UNSUBSCRIBE, "phrase")
    actions = decide(result, Situation("anna.private@acme.test", target()), CONFIG, NOW)
    assert actions == (
        End(1, "unsubscribed", "unsubscribe"),
        Suppress("anna.private@acme.test", "unsubscribe", "unsubscribe request"),
        Suppress("anna@acme.test", "unsubscribe", "unsubscribe request"),
    )


def bounce(status: str, reason: BounceReason, action: str = "failed") -> Classification:
    recipient = FailedRecipient("anna@acme.test", status, action, None, reason)
    return Classification(Kind.BOUNCE, "dsn", bounce=Bounce((recipient,), OURS, True))


def test_hard_bounce_ends_suppresses_and_checks_the_rate() -> None:
    actions = decide(
        bounce("5.1.1", BounceReason.USER_UNKNOWN), Situation(None, target()), CONFIG, NOW
    )
    assert actions == (
        End(1, "bounced", "hard bounce 5.1.1 user_unknown"),
        Suppress("anna@acme.test", "bounce", "hard bounce 5.1.1 user_unknown"),
        CheckBounceRate(1),
    )


def test_hard_bounce_of_a_finished_enrollment_still_suppresses() -> None:
    actions = decide(
        bounce("5.1.1", BounceReason.USER_UNKNOWN), Situation(None, target(ANNA_OLD)), CONFIG, NOW
    )
    assert [type(a) for a in actions] == [Suppress]


def test_soft_bounces_count_up_to_the_limit() -> None:
    soft = bounce("4.2.2", BounceReason.MAILBOX_FULL)
    assert decide(soft, Situation(None, target(soft=0)), CONFIG, NOW) == (SoftBounce(1, 1),)
    last = decide(soft, Situation(None, target(soft=2)), CONFIG, NOW)
    assert [type(a) for a in last] == [SoftBounce, End, Suppress, CheckBounceRate]
    assert last[1] == End(1, "bounced", "soft bounce #3 4.2.2 mailbox_full")


def test_a_delay_warning_changes_nothing() -> None:
    delayed = bounce("4.4.1", BounceReason.DELAYED, action="delayed")
    assert decide(delayed, Situation(None, target()), CONFIG, NOW) == ()


def auto_reply(back: date | None) -> Classification:
    return Classification(Kind.AUTO_REPLY, "ooo", auto_reply=AutoReply(back))


@pytest.mark.parametrize(
    ("back", "resume_at"),
    [
        (date(2026, 3, 10), datetime(2026, 3, 11, tzinfo=ZoneInfo("Europe/Berlin"))),
        (None, NOW + timedelta(days=7)),
        (date(2026, 2, 1), NOW + timedelta(days=7)),  # in the past: the default pause
        (date(2027, 3, 10), NOW + timedelta(days=90)),  # capped
    ],
)
def test_auto_reply_pause_until_the_day_after_the_return_date(
    back: date | None, resume_at: datetime
) -> None:
    actions = decide(
        auto_reply(back), Situation("anna@acme.test", target(auto="pause")), CONFIG, NOW
    )
    assert actions == (Pause(1, resume_at),)


def test_auto_reply_policies_ignore_and_stop() -> None:
    ooo = auto_reply(None)
    assert decide(ooo, Situation(None, target(auto="ignore")), CONFIG, NOW) == ()
    assert decide(ooo, Situation(None, target(auto="stop")), CONFIG, NOW) == (
        End(1, "stopped", "auto_reply"),
    )


def test_other_mail_and_unmatched_mail_do_nothing() -> None:
    assert decide(Classification(Kind.OTHER, "bulk"), Situation(None, target()), CONFIG, NOW) == ()
    assert decide(reply(), Situation("x@y.test", None), CONFIG, NOW) == ()
