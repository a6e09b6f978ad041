"""The content rules: each looks at one template and returns findings with the offset of
what it found and why it hurts deliverability. Pure; thresholds are module constants."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from outreach.deliverability.lint_text import estimated_length, visible_text
from outreach.deliverability.spam_words import SpamWords
from outreach.i18n import _, ngettext, number
from outreach.sequences.spintax import SpintaxError, spintax_expansion_count
from outreach.sequences.texts import TemplateText

MAX_LINKS = 2
MAX_SUBJECT_CHARS = 60
MAX_SPINTAX_VERSIONS = 1_000
CAPS_WORDS_SUBJECT = 2
CAPS_WORDS_BODY = 3
MIN_TEXT_SHARE = 0.2
"""A plain-text part shorter than this share of the HTML's text counts as missing."""

SHORTENERS = frozenset({
    "bit.ly", "bitly.com", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly",
    "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id", "lnkd.in",
    "bl.ink", "v.gd", "shorte.st", "adf.ly", "tiny.one",
})
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_HREF = re.compile(r"href\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_IMG = re.compile(r"<img\b", re.IGNORECASE)
_CAPS_WORD = re.compile(r"(?<![\w-])[A-ZÄÖÜ]{3,}(?![\w-])")
_WORD = re.compile(r"(?<![\w-])[^\W\d_]{3,}(?![\w-])")
_EXCLAIM = re.compile(r"[!?]*!{2,}[!?]*|!\?!|\?!\?")
_FOREIGN_TAGS = re.compile(
    r"\*\|[A-Za-z0-9_]+\|\*"  # Mailchimp *|FNAME|*
    r"|%[A-Za-z][A-Za-z_]*%"  # %FIRSTNAME%
    r"|<<\s*[A-Za-z_][\w ]*>>"  # <<name>>
    r"|\[\[\s*[A-Za-z_][\w ]*\]\]"  # [[first_name]]
    r"|\[[A-Z][A-Z_]{2,}\]"  # [FIRST_NAME]
    r"|\[(?:your |ihr |dein |deine )?(?:first ?name|last ?name|name|vorname|nachname|company"
    r"|company name|firma|firmenname|unternehmen|title|position|anrede)\]"  # [First Name]
    r"|\$\{\s*\w+\s*\}",  # ${name}
    re.IGNORECASE,
)
_ACRONYMS = frozenset({"CEO", "CTO", "CFO", "COO", "CRM", "ERP", "API", "B2B", "SAAS", "USA",
                       "DACH", "KPI", "GMBH", "HR", "IT", "PDF", "SEO", "SQL", "AWS", "EU",
                       "UK", "ROI", "CSV", "FAQ", "URL", "HTML", "AG", "KMU", "DSGVO", "GDPR"})


@dataclass(frozen=True)
class Hit:
    """One finding inside a template: rule, where (offset), what, and why it hurts."""

    rule: str
    offset: int
    message: str
    why: str


Rule = Callable[[TemplateText, str, SpamWords], Iterator[Hit]]


def spam_words(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    seen: set[str] = set()
    for phrase, offset in words.find(visible):
        key = " ".join(phrase.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        yield Hit("spam_word", offset, _("spam trigger word “{word}”").format(
                      word=" ".join(phrase.split())),
                  _("filters score such words; say it the way you would to a colleague"))


def all_caps(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    caps = [m for m in _CAPS_WORD.finditer(visible) if m.group(0) not in _ACRONYMS]
    total = len(_WORD.findall(visible))
    limit = CAPS_WORDS_SUBJECT if text.part == "subject" else CAPS_WORDS_BODY
    if len(caps) >= limit and total and len(caps) / total > 0.1:
        yield Hit("all_caps", caps[0].start(),
                  _("{count} of {total} words in ALL CAPS").format(count=len(caps), total=total),
                  _("shouting reads as advertising to people and to filters"))


def exclamations(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    found = _EXCLAIM.search(visible)
    if found:
        yield Hit("exclamations", found.start(), f"“{found.group(0)}”",
                  _("repeated exclamation marks are a classic spam signal"))


def _links(source: str, visible: str, html: bool) -> list[tuple[str, int]]:
    if html:
        return [(m.group(1), m.start(1)) for m in _HREF.finditer(source)]
    return [(m.group(0), m.start()) for m in _URL.finditer(visible)]


def links(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    found = _links(text.source, visible, text.html)
    if len(found) > MAX_LINKS:
        yield Hit("links", found[MAX_LINKS][1], _("{count} links (more than {limit})").format(
                      count=len(found), limit=MAX_LINKS),
                  _("every link adds to the spam score; cold mail that lands has one link or "
                    "none"))
    for url, offset in found:
        host = _host(url)
        if host in SHORTENERS:
            yield Hit("shortener", offset, _("shortened link {host}").format(host=host),
                      _("shorteners hide the destination and are blocklisted by many filters; "
                        "link to your own domain"))


def _host(url: str) -> str:
    full = url if "://" in url else f"http://{url}"
    host = (urlsplit(full).hostname or "").lower()
    return host.removeprefix("www.")


def images(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    found = list(_IMG.finditer(text.source)) if text.html else []
    if found:
        yield Hit("images", found[0].start(),
                  ngettext("{count} image in the message", "{count} images in the message",
                           len(found)).format(count=len(found)),
                  _("images make a first contact look like a newsletter (and are often "
                    "trackers); filters weigh the text-to-image ratio"))


def merge_tags(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    for found in _FOREIGN_TAGS.finditer(visible):
        yield Hit("merge_tag", found.start(),
                  _("“{tag}” would be sent as is (not a merge field here)").format(
                      tag=found.group(0)),
                  _("a placeholder left in the mail shows it is a mass mailing; write "
                    "{{ first_name }}-style fields"))


def subject_length(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    if text.part != "subject":
        return
    length = estimated_length(text.source)
    if length > MAX_SUBJECT_CHARS:
        yield Hit("subject_length", 0, _("subject is about {count} characters "
                  "(more than {limit})").format(count=length, limit=MAX_SUBJECT_CHARS),
                  _("long subjects are cut off on phones and read like marketing; "
                    "short, plain subjects get opened"))


def spintax_versions(text: TemplateText, visible: str, words: SpamWords) -> Iterator[Hit]:
    try:
        count = spintax_expansion_count(text.source)
    except SpintaxError:
        return
    if count > MAX_SPINTAX_VERSIONS:
        yield Hit("spintax", 0, _("{count} spintax versions (more than {limit})").format(
                      count=number(count), limit=number(MAX_SPINTAX_VERSIONS)),
                  _("nobody can proofread that many versions; a clumsy combination goes out "
                    "unseen"))


TEXT_RULES: tuple[Rule, ...] = (spam_words, all_caps, exclamations, links, images, merge_tags,
                                subject_length, spintax_versions)


def template_hits(text: TemplateText, words: SpamWords) -> list[Hit]:
    """Every rule over one template."""
    visible = visible_text(text.source, html=text.html)
    return [hit for rule in TEXT_RULES for hit in rule(text, visible, words)]


_OPT_OUT_RE = re.compile(
    r"abmelden|abbestellen|austragen|kein(?:e|en)?\s+(?:interesse|bedarf|weiteren|e-?mails?|"
    r"nachrichten?)|nicht\s+(?:mehr\s+)?(?:schreiben|kontaktieren|melden)|unsubscribe|opt[\s-]?out|"
    r"not\s+interested|no\s+(?:thanks|longer)|(?:stop|won't|will\s+not)\s+(?:e-?mail|writ|"
    r"contact|follow)|remove\s+you|désinscri|desinscri|darse\s+de\s+baja|disiscriv|afmeld",
    re.I,
)
"""Wording that offers the reader a way out, in the languages the classifier reads."""


def opt_out_hit(body: str) -> Hit | None:
    """A first step without List-Unsubscribe that offers no way out in its words."""
    if _OPT_OUT_RE.search(visible_text(body)):
        return None
    return Hit("no_opt_out", 0, _("the first step offers no way to opt out"),
               _("without the List-Unsubscribe header (unsubscribe_header: false) add a "
                 "sentence such as \"PS: Not relevant? Reply 'unsubscribe' and I won't write "
                 "again.\" or set unsubscribe_header: true"))


def html_only_hit(body: str, html: str | None) -> Hit | None:
    """An HTML part whose plain-text part is empty or a stub."""
    if html is None:
        return None
    html_words = len(visible_text(html, html=True).split())
    text_words = len(visible_text(body).split())
    if html_words and text_words < MIN_TEXT_SHARE * html_words:
        return Hit("html_only", 0, _("the plain-text body has {text} words, the HTML {html}"
                                     ).format(text=text_words, html=html_words),
                   _("mail without a real text/plain part scores as spam; write the same "
                     "message in body:"))
    return None
