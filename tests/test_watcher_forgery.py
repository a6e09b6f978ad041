"""Forged mail acts on nobody (pure parts): encoded display names, Authentication-Results,
and the rule that holds an untied bounce or an unauthenticated answer for review."""

from __future__ import annotations

import email
import email.policy
from email.header import Header

from hypothesis import given
from hypothesis import strategies as st

from outreach.lifecycle.rules import Provenance, Situation, decide, held_reason
from outreach.lifecycle.values import pending_review
from outreach.mailbox.authresults import auth_failures
from outreach.mailbox.classify import BounceReason, Classification, Kind, default_rules
from outreach.mailbox.classify.mime import from_address, parse_message
from outreach.mailbox.headers import claimed_address, header_facts
from outreach.watcher.matching import Inbound, match_inbound
from outreach.watcher.screening import screen
from tests.test_watcher_logic import (
    ANNA,
    CONFIG,
    FOUND,
    NOW,
    OURS,
    block,
    bounce,
    known,
    reply,
    target,
)

ATTACKER = "attacker@evil.test"

# -- 2. encoded display names -------------------------------------------------------------


def test_an_encoded_address_in_the_display_name_is_not_the_sender() -> None:
    facts = header_facts(block("From: =?utf-8?b?Y2Fyb2xAYWNtZS50ZXN0?= <attacker@evil.test>"))
    assert facts.from_addr == ATTACKER
    assert facts.claimed_addr == "carol@acme.test"
    assert "carol@acme.test" in facts.from_header  # shown decoded, never parsed decoded


def test_a_bare_address_before_the_angle_address_is_only_claimed() -> None:
    facts = header_facts(block("From: carol@acme.test <attacker@evil.test>"))
    assert (facts.from_addr, facts.claimed_addr) == (ATTACKER, "carol@acme.test")
    spaced = header_facts(block("From: carol@acme.test < attacker@evil.test >"))
    assert (spaced.from_addr, spaced.claimed_addr) == (ATTACKER, "carol@acme.test")
    quoted = header_facts(block('From: "<carol@acme.test>" <attacker@evil.test>'))
    assert (quoted.from_addr, quoted.claimed_addr) == (ATTACKER, "carol@acme.test")
    bare = header_facts(block("From: anna@acme.test (Anna)"))
    assert (bare.from_addr, bare.claimed_addr) == ("anna@acme.test", None)


def test_a_plain_display_name_claims_nothing() -> None:
    facts = header_facts(block("From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@acme.test>"))
    assert (facts.from_addr, facts.claimed_addr) == ("jm@acme.test", None)
    own = header_facts(block('From: "anna@acme.test" <Anna@Acme.test>'))
    assert (own.from_addr, own.claimed_addr) == ("anna@acme.test", None)


_LOCAL = st.from_regex(r"[a-z][a-z0-9._+-]{0,20}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z][a-z0-9-]{0,12}\.(test|example|com)", fullmatch=True)
_WORDS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="@"),
    max_size=20,
)


@given(
    claimed=st.tuples(_LOCAL, _DOMAIN),
    before=_WORDS,
    after=_WORDS,
    charset=st.sampled_from(["utf-8", "iso-8859-1", "utf-16"]),
    quoted=st.booleans(),
)
def test_encoded_display_names_never_become_the_address(
    claimed: tuple[str, str], before: str, after: str, charset: str, quoted: bool
) -> None:
    """Whatever an encoded word hides (an address, angle brackets, quotes, commas), the
    address is the one written in the clear; the hidden address is only "claimed"."""
    address = "@".join(claimed)
    name = f"{before} <{address}>, {after}" if quoted else f"{before} {address} {after}"
    try:
        encoded = Header(name, charset).encode(maxlinelen=10_000)
    except UnicodeEncodeError:
        encoded = Header(name, "utf-8").encode(maxlinelen=10_000)
    raw = block(f"From: {encoded} <{ATTACKER}>", "Subject: hi")
    facts = header_facts(raw)
    assert facts.from_addr == ATTACKER
    assert facts.claimed_addr == address
    # the classifier's own reading of From (its "from us" and "from a mailer" checks)
    assert from_address(parse_message(raw))[1] == ATTACKER


# -- Authentication-Results ---------------------------------------------------------------


def message(*headers: str) -> email.message.Message:
    return email.message_from_bytes(block(*headers), policy=email.policy.default)


def test_provider_failures_for_the_from_domain_are_read() -> None:
    msg = message(
        "Authentication-Results: mx.provider.test;\r\n dkim=fail header.i=@acme.test;\r\n"
        " spf=pass smtp.mailfrom=evil.test; dmarc=fail (p=reject) header.from=acme.test",
        "From: anna@acme.test",
    )
    assert auth_failures(msg, "acme.test") == ("dkim=fail", "dmarc=fail")
    assert auth_failures(msg, "other.test") == ()


def test_a_planted_pass_or_a_malformed_header_changes_nothing() -> None:
    msg = message(
        "Authentication-Results: mx.provider.test; spf=fail smtp.mailfrom=anna@acme.test",
        "Authentication-Results: mx.provider.test; dmarc=pass header.from=acme.test",
        "Authentication-Results: ;;; ==",
    )
    assert auth_failures(msg, "acme.test") == ("spf=fail",)
    assert auth_failures(message("Authentication-Results: ;;; =="), "acme.test") == ()
    assert auth_failures(message("Subject: none"), "acme.test") == ()


# -- matching and screening ---------------------------------------------------------------


def test_a_bounce_is_tied_only_through_our_message_id() -> None:
    original = Inbound("mailer-daemon@mx.test", bounce=True, original_message_id=OURS)
    threaded = Inbound("mailer-daemon@mx.test", bounce=True, referenced=(OURS,))
    named = Inbound("mailer-daemon@evil.test", bounce=True, failed_addresses=("anna@acme.test",))
    assert match_inbound(original, FOUND, 1).tied
    assert match_inbound(threaded, FOUND, 1).tied
    untied = match_inbound(named, FOUND, 1)
    assert (untied.enrollment, untied.tied) == (ANNA, False)


def test_a_claimed_prospect_is_matched_for_review_only() -> None:
    found = match_inbound(Inbound(ATTACKER, claimed="anna@acme.test"), FOUND, 1)
    assert (found.enrollment, found.via, found.tied) == (ANNA, "claimed", False)
    facts = header_facts(block("From: =?utf-8?q?anna=40acme=2Etest?= <attacker@evil.test>"))
    assert screen(facts, known(), default_rules()) == "claimed"


# -- the rule -----------------------------------------------------------------------------


def hard_bounce() -> Classification:
    return bounce("5.1.1", BounceReason.USER_UNKNOWN)


def unsubscribe() -> Classification:
    return Classification(Kind.UNSUBSCRIBE, "phrase")


def situation(origin: Provenance, sender: str = "anna@acme.test") -> Situation:
    return Situation(sender, target(), [target(ANNA)], provenance=origin)


def test_an_untied_bounce_is_held_and_does_nothing() -> None:
    held = situation(Provenance(tied=False), "mailer-daemon@evil.test")
    assert held_reason(hard_bounce(), held) is not None
    assert decide(hard_bounce(), held, CONFIG, NOW) == ()
    tied = situation(Provenance(tied=True), "mailer-daemon@mx.test")
    assert held_reason(hard_bounce(), tied) is None
    assert decide(hard_bounce(), tied, CONFIG, NOW) != ()


def test_an_unauthenticated_unthreaded_opt_out_or_reply_is_held() -> None:
    spoofed = situation(Provenance(tied=False, auth_failures=("dmarc=fail",)))
    for result in (unsubscribe(), reply()):
        reason = held_reason(result, spoofed)
        assert reason is not None and "dmarc=fail" in reason
        assert decide(result, spoofed, CONFIG, NOW) == ()
    in_thread = situation(Provenance(tied=True, auth_failures=("dmarc=fail",)))
    assert decide(unsubscribe(), in_thread, CONFIG, NOW) != ()
    no_verdict = situation(Provenance(tied=False))  # no Authentication-Results: as before
    assert decide(unsubscribe(), no_verdict, CONFIG, NOW) != ()


def test_a_display_name_claim_is_held() -> None:
    claimed = situation(Provenance(tied=False, claimed="anna@acme.test"), ATTACKER)
    reason = held_reason(unsubscribe(), claimed)
    assert reason == f"display name claims anna@acme.test; sent from {ATTACKER}"
    assert decide(unsubscribe(), claimed, CONFIG, NOW) == ()


def test_pending_review_until_reclassified_by_hand() -> None:
    assert pending_review({"held": "why"}, None) == "why"
    assert pending_review({"held": "why"}, "bounce") is None
    assert pending_review({}, None) is None


def test_claimed_address_search_is_bounded() -> None:
    assert claimed_address("a" * 100_000, None) is None
    assert claimed_address("x" * 100_000 + "@", None) is None
