"""Phrase rules: the shipped YAML, user additions, errors, and every entry exercised."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from outreach.errors import ConfigError
from outreach.mailbox.classify import Kind, classify, default_rules, load_rules
from outreach.mailbox.classify.rules import RuleFile, phrase_regex

SHIPPED = Path(__file__).resolve().parents[1] / "outreach" / "data" / "classify_rules.yaml"


def shipped_entries() -> list[tuple[str, str]]:
    rules = RuleFile.model_validate(_yaml(SHIPPED.read_text(encoding="utf-8")))
    return [(name, phrase) for name in RuleFile.model_fields for phrase in getattr(rules, name)]


def _yaml(text: str) -> object:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def sample_text(phrase: str) -> str | None:
    """A text the phrase must match: literal phrases with "…" filled in; None for regexes."""
    if phrase.startswith("re:"):
        return None
    return phrase.replace("…", "am 3. Januar").replace("...", "am 3. Januar")


@pytest.mark.parametrize(("name", "phrase"), shipped_entries())
def test_every_shipped_phrase_compiles_and_matches_its_own_wording(name: str, phrase: str) -> None:
    phrases = getattr(default_rules(), name)
    regex = re.compile(phrase_regex(phrase), re.I | re.M)
    sample = sample_text(phrase)
    if sample is not None:
        assert regex.search(f"xx {sample.capitalize()} yy") or regex.search(sample.capitalize())
        assert phrases.search(sample) is not None


# One real-world example per regex entry, so each "re:" rule is exercised too.
REGEX_EXAMPLES = {
    "bounce_subjects": ["メールエラー通知", "【配信エラー】ご確認ください", "不達のお知らせ"],
    "bounce_senders": ["MAILER-DAEMON@mx.example.net", "postmaster@example.org", "Mail Delivery"],
    "bounce_user_unknown": [
        "550 5.4.1 Recipient address rejected: Access denied",
        "RESOLVER.ADR.RecipNotFound",
        "user is not known here",
        "The mailbox does not exist",
    ],
    "bounce_host_unknown": [
        "nxdomain.example.com does not exist",
        "DNS lookup failure: host cx.example.org not found",
    ],
    "bounce_not_accept": [
        "returned Null MX",
        "an MX or SRV record indicated no SMTP service",
        "521 5.3.2 <x@example.net>: Recipient address rejected",
        "smtp; 556 example.org accepts no mail",
    ],
    "bounce_network": ["Host not found, try again", "Malformed or unexpected name server reply"],
    "challenge_phrases": ["Please add yourself to my Boxbe Guest List", "Sender not pre-approved"],
    "unsubscribe_phrases": [
        "please stop.",
        "please remove me from the mailing list",
        "I do not want to receive any more emails",
        "don't send me any more",
    ],
    "signature_lines": ["Sent from my iPhone", "Gesendet von Outlook für Android"],
    "auto_reply_subjects": ["Auto: I am away", "OOO until Monday"],
}


@pytest.mark.parametrize(
    ("name", "text"), [(name, text) for name, texts in REGEX_EXAMPLES.items() for text in texts]
)
def test_regex_rules_match_real_wording(name: str, text: str) -> None:
    assert getattr(default_rules(), name).search(text) is not None


@pytest.mark.parametrize("text", ["id 1.521 queued", "5521 items", "521.3 MB", "Tel. 0521-1234"])
def test_rfc7504_codes_need_a_reply_shape(text: str) -> None:
    assert default_rules().bounce_not_accept.search(text) is None


def test_phrase_syntax_spaces_ellipsis_and_word_edges() -> None:
    regex = re.compile(phrase_regex("ich bin bis … nicht im büro"), re.I)
    assert regex.search("Ich bin bis\nzum 3. Januar nicht im Büro")
    assert not re.search(phrase_regex("austragen"), "Turnieraustragende", re.I)
    assert re.search(
        phrase_regex("Delivery Status Notification (Failure)"),
        "delivery status notification (failure)",
        re.I,
    )


def test_user_file_lists_are_appended(tmp_path: Path) -> None:
    user = tmp_path / "classify_rules.yaml"
    user.write_text("unsubscribe_phrases:\n  - lass mich in ruhe\n", encoding="utf-8")
    rules = load_rules(user)
    assert rules.unsubscribe_phrases.search("Bitte lass mich in Ruhe!")
    assert rules.unsubscribe_phrases.search("unsubscribe")  # shipped entries stay
    msg = email.message_from_string(
        "From: p@x.example\nSubject: Re: hi\n\nLass mich in Ruhe.", policy=email.policy.default
    )
    assert classify(msg, rules=rules).kind is Kind.UNSUBSCRIBE
    assert classify(msg).kind is Kind.REPLY


def test_missing_user_file_means_shipped_rules(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "absent.yaml") is default_rules()
    assert load_rules(None) is default_rules()


def test_unknown_list_name_names_file_and_known_lists(tmp_path: Path) -> None:
    user = tmp_path / "classify_rules.yaml"
    user.write_text("unsubscribe_phrase:\n  - stop\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(user)
    assert str(user) in str(caught.value)
    assert "unsubscribe_phrase" in str(caught.value)
    assert "unsubscribe_phrases" in str(caught.value)


def test_bad_regex_names_file_and_line(tmp_path: Path) -> None:
    user = tmp_path / "classify_rules.yaml"
    user.write_text("bounce_subjects:\n  - ok\n  - 're:(unclosed'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(user)
    assert f"{user}:3" in str(caught.value)
    assert "bounce_subjects" in str(caught.value)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    user = tmp_path / "classify_rules.yaml"
    user.write_text("bounce_subjects:\n  - a\n - b: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(user)
    assert str(user) in str(caught.value)


def test_empty_user_file_is_fine(tmp_path: Path) -> None:
    user = tmp_path / "classify_rules.yaml"
    user.write_text("# nothing yet\n", encoding="utf-8")
    assert load_rules(user).unsubscribe_phrases.search("unsubscribe")
