"""Refusals (RFC 8098 dispositions, Sieve ``reject``) and bounces after the sequence ended.

The MDN file was produced by Dovecot Pigeonhole 0.5 (Debian 12) running ``reject`` in LMTP
on the test mail stack; the others follow RFC 8098 / RFC 2298 examples.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from outreach.lifecycle.rules import CheckBounceRate, End, Situation, SoftBounce, Suppress, decide
from outreach.mailbox.classify import BounceReason, Kind, classify, parse_message
from outreach.watcher.summary import classification_dict
from tests.test_watcher_logic import ANNA_OLD, CONFIG, NOW, OURS, bounce, target

PIGEONHOLE = Path(__file__).parent / "data" / "classify" / "clients" / "pigeonhole-reject-mdn.eml"


def mdn(disposition: str, *, recipient: str = "anna@acme.test") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Postmaster <postmaster@acme.test>"
    msg["To"] = "rep@sales.test"
    msg["Subject"] = "Disposition notification"
    msg.set_content("The message was processed.")
    report = EmailMessage()
    report.set_content(
        "Reporting-UA: mx.acme.test; Mail Client\n"
        f"Final-Recipient: rfc822; {recipient}\n"
        f"Original-Message-ID: {OURS}\n"
        f"Disposition: manual-action/MDN-sent-manually; {disposition}\n"
    )
    msg.make_mixed()
    msg.attach(report)
    msg.set_param("report-type", "disposition-notification")
    msg.replace_header("Content-Type", msg["Content-Type"].replace("multipart/mixed", "multipart/report"))
    report.replace_header("Content-Type", "message/disposition-notification")
    return msg


def test_a_real_pigeonhole_reject_is_a_refusal_naming_the_recipient() -> None:
    result = classify(parse_message(PIGEONHOLE.read_bytes()))
    assert result.kind is Kind.BOUNCE and "refusal" in result.flags
    assert result.bounce is not None
    assert result.bounce.addresses == ("max@prospects.test",)
    assert result.bounce.original_message_id == "<orig-1@sales.test>"
    assert result.bounce.recipients[0].reason is BounceReason.REFUSED
    assert result.bounce.recipients[0].diagnostic is not None
    assert "keine Werbung" in result.bounce.recipients[0].diagnostic
    facts = classification_dict(result)
    assert (facts["hard"], facts["final"], facts["reasons"]) == (True, True, ["refused"])


@pytest.mark.parametrize("disposition", ["deleted", "denied", "failed", "processed/error, failed"])
def test_refusing_dispositions(disposition: str) -> None:
    result = classify(mdn(disposition))
    assert result.kind is Kind.BOUNCE and result.bounce is not None and result.bounce.refused
    assert result.bounce.original_message_id == OURS


@pytest.mark.parametrize("disposition", ["displayed", "processed", "dispatched"])
def test_read_receipts_are_nothing(disposition: str) -> None:
    result = classify(mdn(disposition))
    assert result.kind is Kind.OTHER
    assert "disposition_notification" in result.flags


def refusal():  # type: ignore[no-untyped-def]
    return classify(mdn("deleted"))


def test_a_refusal_ends_the_person_as_refused_and_suppresses() -> None:
    actions = decide(refusal(), Situation(None, target()), CONFIG, NOW)
    assert actions == (
        End(1, "unsubscribed", "refused: The message was processed."),
        Suppress("anna@acme.test", "unsubscribe", "refused: The message was processed."),
    )  # no bounce-rate check: a refusal says nothing about deliverability


def test_a_refusal_after_the_sequence_ended_still_suppresses() -> None:
    actions = decide(refusal(), Situation(None, target(ANNA_OLD)), CONFIG, NOW)
    assert [type(a) for a in actions] == [Suppress]


def test_a_soft_bounce_after_the_sequence_ended_still_counts() -> None:
    soft = bounce("4.2.2", BounceReason.MAILBOX_FULL)
    assert decide(soft, Situation(None, target(ANNA_OLD, soft=0)), CONFIG, NOW) == (
        SoftBounce(2, 1),
    )
    last = decide(soft, Situation(None, target(ANNA_OLD, soft=2)), CONFIG, NOW)
    assert last == (SoftBounce(2, 3), Suppress("anna@acme.test", "bounce", "soft bounce #3 4.2.2 mailbox_full"))
    assert not any(isinstance(a, (End, CheckBounceRate)) for a in last)


def test_hard_and_final_are_reported_apart() -> None:
    delay = classification_dict(bounce("4.4.1", BounceReason.DELAYED, action="delayed"))
    dead = classification_dict(bounce("5.1.1", BounceReason.USER_UNKNOWN))
    full = classification_dict(bounce("5.2.2", BounceReason.MAILBOX_FULL))
    assert (delay["hard"], delay["final"]) == (False, False)
    assert (dead["hard"], dead["final"]) == (True, True)
    assert (full["hard"], full["final"]) == (False, True)


def test_a_late_soft_bounce_is_counted_on_the_ended_enrollment(any_db: str, tmp_path: Path) -> None:
    from tests.test_watcher_effects import ANNA, apply, event_kinds, started
    from tests.test_watcher_support import enrollment_of

    db = started(tmp_path)
    anna = enrollment_of(db, ANNA).id
    assert anna is not None
    apply(db, End(anna, "stopped", "finished early"))
    assert apply(db, SoftBounce(anna, 1)) == [f"enrollment {anna}: soft bounce #1"]
    assert enrollment_of(db, ANNA).soft_bounces == 1
    assert event_kinds(db)[-1] == "soft_bounce"
