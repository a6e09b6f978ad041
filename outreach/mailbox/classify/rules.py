"""Phrase rules of the classifier: the shipped YAML plus an optional user file appended.

Each list is a set of phrases (see the syntax note at the top of
``outreach/data/classify_rules.yaml``) compiled into one case-insensitive regex.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from outreach.errors import ConfigError
from outreach.i18n import N_, _

_GAP = r"[\s\S]{0,80}?"
_SPACE = r"\s++"
"""Possessive: white space between words is never given back to a neighbouring gap."""
_SPACED_GAP = r"\s++(?:\S[\s\S]{0,78}?\s++)?"
r"""A gap between spaces ("ab … wieder da"): one run of white space, or up to 80
characters that start and end with one. ``\s+`` + ``[\s\S]{0,80}?`` + ``\s+`` would share
the white space three ways: quadratic on a long run of blank lines."""
_FLAGS = re.IGNORECASE | re.MULTILINE
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00a0": " ", "\u202f": " "})


class RuleFile(BaseModel):
    """One classify_rules.yaml file: every key is a list of phrases (all optional)."""

    model_config = ConfigDict(extra="forbid")

    bounce_senders: list[str] = Field(
        default_factory=list, description=N_("From header of delivery-failure reports.")
    )
    bounce_subjects: list[str] = Field(
        default_factory=list, description=N_("Subject of delivery-failure reports.")
    )
    bounce_body: list[str] = Field(
        default_factory=list, description=N_("Body text typical of delivery-failure reports.")
    )
    bounce_user_unknown: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: recipient address does not exist (hard).")
    )
    bounce_blocked: list[str] = Field(
        default_factory=list,
        description=N_("Diagnostic: policy, spam or content rejection (soft)."),
    )
    bounce_host_unknown: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: recipient domain does not exist (hard).")
    )
    bounce_not_accept: list[str] = Field(
        default_factory=list,
        description=N_("Diagnostic: the domain accepts no mail at all (hard)."),
    )
    bounce_network: list[str] = Field(
        default_factory=list,
        description=N_("Diagnostic: DNS or network failure on the way to the recipient (soft)."),
    )
    bounce_has_moved: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: the mailbox moved away (hard).")
    )
    bounce_mailbox_full: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: mailbox full / over quota (soft).")
    )
    bounce_disabled: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: mailbox disabled or suspended (soft).")
    )
    bounce_expired: list[str] = Field(
        default_factory=list, description=N_("Diagnostic: the MTA gave up retrying (soft).")
    )
    bounce_delay_subjects: list[str] = Field(
        default_factory=list,
        description=N_("Subject of delay warnings: not delivered yet, the MTA keeps trying."),
    )
    bounce_delay_body: list[str] = Field(
        default_factory=list,
        description=N_("Report text of delay warnings (a warning only, delivery still retried)."),
    )
    bounce_gave_up: list[str] = Field(
        default_factory=list,
        description=N_("Report text saying the MTA stopped trying: outranks delay wording."),
    )
    challenge_phrases: list[str] = Field(
        default_factory=list,
        description=N_("Delivery report text of challenge-response screening (message held)."),
    )
    auto_reply_subjects: list[str] = Field(
        default_factory=list,
        description=N_("Subject of out-of-office and other automatic answers."),
    )
    auto_reply_body: list[str] = Field(
        default_factory=list, description=N_("Body text of automatic answers without headers.")
    )
    unsubscribe_subjects: list[str] = Field(
        default_factory=list, description=N_("Whole subjects meaning 'unsubscribe'.")
    )
    unsubscribe_phrases: list[str] = Field(
        default_factory=list, description=N_("Opt-out requests in the new text of a reply.")
    )
    signature_lines: list[str] = Field(
        default_factory=list, description=N_("Lines that start a signature (mobile footers).")
    )


@dataclass(frozen=True)
class PhraseSet:
    """A compiled phrase list; ``search`` returns the matching text or None."""

    phrases: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def search(self, text: str) -> str | None:
        """The first matching snippet of ``text``, None when no phrase matches."""
        if self.pattern is None or not text:
            return None
        found = self.pattern.search(text.translate(_TYPOGRAPHY))
        return found.group(0) if found else None

    def fullmatch(self, text: str) -> str | None:
        """``text`` when one phrase matches all of it."""
        if self.pattern is None:
            return None
        found = self.pattern.fullmatch(text.translate(_TYPOGRAPHY).strip())
        return found.group(0) if found else None


@dataclass(frozen=True)
class Rules:
    """All phrase lists of the classifier (field names as in the YAML file)."""

    bounce_senders: PhraseSet
    bounce_subjects: PhraseSet
    bounce_body: PhraseSet
    bounce_user_unknown: PhraseSet
    bounce_blocked: PhraseSet
    bounce_host_unknown: PhraseSet
    bounce_not_accept: PhraseSet
    bounce_network: PhraseSet
    bounce_has_moved: PhraseSet
    bounce_mailbox_full: PhraseSet
    bounce_disabled: PhraseSet
    bounce_expired: PhraseSet
    bounce_delay_subjects: PhraseSet
    bounce_delay_body: PhraseSet
    bounce_gave_up: PhraseSet
    challenge_phrases: PhraseSet
    auto_reply_subjects: PhraseSet
    auto_reply_body: PhraseSet
    unsubscribe_subjects: PhraseSet
    unsubscribe_phrases: PhraseSet
    signature_lines: PhraseSet


def phrase_regex(phrase: str) -> str:
    """The regular expression of one phrase entry (``re:`` entries pass through)."""
    if phrase.startswith("re:"):
        return phrase[3:]
    text = phrase.strip()
    pieces = re.split(r"(\s+|…|\.\.\.)", text)
    regex = "".join(_piece_regex(piece) for piece in pieces if piece)
    regex = regex.replace(_SPACE + _GAP + _SPACE, _SPACED_GAP)
    if text[:1].isalnum():
        regex = r"\b" + regex
    if text[-1:].isalnum():
        regex += r"\b"
    return regex


def _piece_regex(piece: str) -> str:
    if piece in ("…", "..."):
        return _GAP
    if piece.isspace():
        return _SPACE
    return re.escape(piece)


def load_rules(user_file: Path | None = None) -> Rules:
    """The shipped rules, with the lists of ``user_file`` appended when it exists."""
    if user_file is None or not user_file.exists():
        return default_rules()
    shipped = _shipped_file()
    user, lines = _read_rule_file(user_file)
    for name in _list_names():  # report a bad user regex with the user file's line number
        _phrase_set(name, getattr(user, name), _Source(user_file, lines))
    merged = {name: getattr(shipped, name) + getattr(user, name) for name in _list_names()}
    return _compile(merged)


@functools.cache
def default_rules() -> Rules:
    """The shipped rules alone (compiled once per process)."""
    shipped = _shipped_file()
    return _compile({name: getattr(shipped, name) for name in _list_names()})


def _list_names() -> list[str]:
    return list(RuleFile.model_fields)


@dataclass(frozen=True)
class _Source:
    """Where phrases came from, to name file and line in errors."""

    path: Path
    lines: dict[tuple[str, int], int]

    def where(self, name: str, index: int) -> str:
        line = self.lines.get((name, index))
        return f"{self.path}:{line}" if line else str(self.path)


_SHIPPED = Path("outreach/data/classify_rules.yaml")


@functools.cache
def _shipped_file() -> RuleFile:
    text = resources.files("outreach").joinpath("data/classify_rules.yaml").read_text("utf-8")
    return _parse(text, _SHIPPED, round_trip=False)[0]


def _read_rule_file(path: Path) -> tuple[RuleFile, dict[tuple[str, int], int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("cannot read classifier rules {file}: {error}").format(file=path, error=exc),
            hint=_("fix the file's permissions/encoding (UTF-8) or delete it"),
        ) from exc
    return _parse(text, path)


def _parse(
    text: str, path: Path, round_trip: bool = True
) -> tuple[RuleFile, dict[tuple[str, int], int]]:
    """Validate one rules file; the round-trip loader (slower) keeps line numbers."""
    data = _load_yaml(text, path, round_trip)
    try:
        return RuleFile.model_validate(data or {}), _entry_lines(data)
    except ValidationError as exc:
        raise ConfigError(
            _("{file}: invalid classifier rules: {problem}").format(
                file=path, problem=_describe(exc, data)),
            hint=_("each key must be one of {keys} holding a list of strings").format(
                keys=", ".join(_list_names())),
        ) from exc


def _load_yaml(text: str, path: Path, round_trip: bool) -> Any:
    try:
        return YAML(typ="rt" if round_trip else "safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            _("{where}: not valid YAML ({problem})").format(
                where=where, problem=getattr(exc, "problem", exc)),
            hint=_("check indentation and quote phrases that contain ':' or '#'"),
        ) from exc


def _describe(exc: ValidationError, data: Any) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    line = _line_of(data, first["loc"])
    return f"{location}{f' (line {line})' if line else ''}: {first['msg']}"


def _line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    lc = getattr(data, "lc", None)
    if lc is None or not loc:
        return None
    try:
        return int(lc.key(loc[0])[0]) + 1
    except Exception:
        return None


def _entry_lines(data: Any) -> dict[tuple[str, int], int]:
    """1-based line of every list entry, from ruamel's round-trip position info."""
    lines: dict[tuple[str, int], int] = {}
    for name, seq in data.items() if isinstance(data, dict) else []:
        for index in range(len(seq) if isinstance(seq, list) else 0):
            try:
                lines[(str(name), index)] = int(seq.lc.item(index)[0]) + 1
            except Exception:
                continue
    return lines


def _compile(lists: dict[str, list[str]]) -> Rules:
    source = _Source(_SHIPPED, {})
    sets = {name: _phrase_set(name, phrases, source) for name, phrases in lists.items()}
    return Rules(**sets)


def _phrase_set(name: str, phrases: list[str], source: _Source) -> PhraseSet:
    regexes = [_checked_regex(name, index, phrase, source) for index, phrase in enumerate(phrases)]
    if not regexes:
        return PhraseSet((), None)
    pattern = re.compile("|".join(f"(?:{regex})" for regex in regexes), _FLAGS)
    return PhraseSet(tuple(phrases), pattern)


def _checked_regex(name: str, index: int, phrase: str, source: _Source) -> str:
    where = source.where(name, index)
    if not phrase.strip() or phrase.strip() == "re:":
        raise ConfigError(_("{where}: {name} entry #{number} is empty").format(
            where=where, name=name, number=index + 1), hint=_("remove it"))
    regex = phrase_regex(phrase)
    try:
        re.compile(regex, _FLAGS)
    except re.error as exc:
        raise ConfigError(
            _("{where}: {name} entry {phrase} is not a valid regular expression ({error})").format(
                where=where, name=name, phrase=repr(phrase), error=exc),
            hint=_("fix the 're:' pattern or drop the 're:' prefix to match the text literally"),
        ) from exc
    return regex
