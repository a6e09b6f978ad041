"""The spam-word list: shipped (``outreach/data/spam_words.yaml``) plus the user's own
(``config_dir()/spam_words.yaml``) with the same shape and an ``ignore`` list."""

from __future__ import annotations

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
from outreach.paths import config_dir

USER_FILE = "spam_words.yaml"


class SpamWordsFile(BaseModel):
    """A spam-word file: phrases by language, and shipped phrases to ignore."""

    model_config = ConfigDict(extra="forbid")

    de: list[str] = Field(default_factory=list, description=N_("German words and phrases."))
    en: list[str] = Field(default_factory=list, description=N_("English words and phrases."))
    ignore: list[str] = Field(default_factory=list,
                              description=N_("Shipped phrases not to flag (e.g. your product "
                                             "is called 'Gratis')."))


@dataclass(frozen=True)
class SpamWords:
    """The compiled list: ``find`` yields each phrase found in a text, with its offset."""

    phrases: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def find(self, text: str) -> list[tuple[str, int]]:
        if self.pattern is None:
            return []
        return [(m.group(0), m.start()) for m in self.pattern.finditer(text)]


def _read(text: str, where: str) -> SpamWordsFile:
    try:
        data: Any = YAML(typ="safe").load(text) or {}
        return SpamWordsFile.model_validate(data)
    except (YAMLError, ValidationError) as exc:
        raise ConfigError(_("{file} is not a valid spam-word file: {error}").format(
                              file=where, error=exc),
                          hint=_("use lists under de:, en: and ignore:")) from None


def _phrase_regex(phrase: str) -> str:
    words = (re.escape(word) for word in phrase.split())
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def compile_words(files: list[SpamWordsFile]) -> SpamWords:
    ignored = {p.casefold() for f in files for p in f.ignore}
    phrases = sorted({p.strip() for f in files for p in (*f.de, *f.en)
                      if p.strip() and p.strip().casefold() not in ignored},
                     key=lambda p: (-len(p), p))  # longest first: "jetzt kaufen" before "jetzt"
    if not phrases:
        return SpamWords((), None)
    pattern = re.compile("|".join(_phrase_regex(p) for p in phrases), re.IGNORECASE)
    return SpamWords(tuple(phrases), pattern)


def shipped_file() -> SpamWordsFile:
    text = resources.files("outreach").joinpath("data/spam_words.yaml").read_text("utf-8")
    return _read(text, "outreach/data/spam_words.yaml")


def user_file_path() -> Path:
    return config_dir() / USER_FILE


def load_spam_words(user_path: Path | None = None) -> SpamWords:
    """The shipped list, extended (and trimmed) by the user's file when it exists."""
    files = [shipped_file()]
    path = user_path or user_file_path()
    if path.is_file():
        files.append(_read(path.read_text(encoding="utf-8"), str(path)))
    return compile_words(files)
