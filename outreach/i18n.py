"""The rep's language: gettext catalogs (kept with Babel) and per-locale numbers and dates.

Every user-facing string goes through :func:`_` (or :func:`ngettext`, :func:`pgettext`);
strings that must exist before the language is known (class attributes such as Textual
``BINDINGS``, tables built at import) are marked with :func:`N_` and translated where they
are shown. English is the source language; ``outreach/locale/de/LC_MESSAGES/outreach.po``
holds German. ``scripts/i18n.py`` extracts, updates and compiles the catalogs; the wheel
build compiles them (``setup.py``).

The language comes from ``--lang``, then ``OUTREACH_LANG``, then the POSIX locale variables
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``); anything else is English. Machine interfaces
(``--json``, JSON logs, exit codes, YAML keys, CSV headers) never go through here.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

DOMAIN = "outreach"
"""The gettext domain of our own strings."""
CLICK_DOMAIN = "click"
"""click's own strings ("Usage:", "Show this message and exit."), translated by us."""
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE = "en"
LANGUAGES: tuple[str, ...] = ("en", "de")
"""The languages the interface speaks; the first is the source (and the fallback)."""

_catalogs: dict[str, _gettext.NullTranslations] = {}
_active: _gettext.NullTranslations = _gettext.NullTranslations()
_language = SOURCE


def choose(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: ``explicit`` (``--lang``), ``OUTREACH_LANG``, then the locale.

    A value such as ``de_DE.UTF-8``, ``de-AT`` or ``DE`` means German. The first variable
    that is set decides (as POSIX does): ``LC_ALL=fr_FR.UTF-8`` with ``LANG=de_DE`` is
    English, the fallback, not German.
    """
    env = os.environ if environ is None else environ
    for value in (explicit, env.get("OUTREACH_LANG")):
        if value:
            return normalize(value)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalize(value)
    return SOURCE


def normalize(value: str) -> str:
    """``de_DE.UTF-8`` → ``de``; a language we do not speak (or ``C``/``POSIX``) → ``en``."""
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else SOURCE


def use(language: str) -> str:
    """Speak ``language`` (normalized) from now on in this process; returns it.

    Also points click's own strings at our catalog (click reads them through the stdlib's
    global gettext functions, which follow ``LANGUAGE``).
    """
    global _active, _language
    language = normalize(language)
    _active = catalog(language)
    _language = language
    if language != SOURCE:
        _compiled(language, CLICK_DOMAIN)
    _gettext.bindtextdomain(CLICK_DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(CLICK_DOMAIN)
    os.environ["LANGUAGE"] = language
    return language


@contextmanager
def language(code: str) -> Iterator[str]:
    """Speak ``code`` inside the block, then the language spoken before it."""
    before = _language
    try:
        yield use(code)
    finally:
        use(before)


def current() -> str:
    """The language spoken now (``en`` or ``de``)."""
    return _language


def catalog(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (cached); the source language has none."""
    language = normalize(language)
    found = _catalogs.get(language)
    if found is None:
        found = _gettext.NullTranslations() if language == SOURCE else _load(language, DOMAIN)
        _catalogs[language] = found
    return found


def _load(language: str, domain: str) -> _gettext.NullTranslations:
    """The compiled ``.mo`` of ``domain`` (compiled first in a checkout whose ``.po`` is newer)."""
    compiled = _compiled(language, domain)
    if isinstance(compiled, bytes):
        return _gettext.GNUTranslations(io.BytesIO(compiled))
    return _gettext.translation(domain, str(LOCALE_DIR), languages=[language], fallback=True)


def _compiled(language: str, domain: str) -> bytes | None:
    """Compile ``domain``'s ``.po`` when it is newer than its ``.mo`` (a source checkout).

    Wheels carry only compiled catalogs (the build compiles them), so there this is one
    ``stat``. In an editable install the ``.mo`` is rewritten beside the ``.po`` (click reads
    its strings from that file); where the tree is read-only the compiled bytes are
    returned to be used from memory (our own strings only).
    """
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / f"{domain}.mo", folder / f"{domain}.po"
    try:
        if po.stat().st_mtime <= (mo.stat().st_mtime if mo.exists() else 0):
            return None
    except FileNotFoundError:
        return None
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    with po.open("rb") as handle:
        write_mo(buffer, read_po(handle), use_fuzzy=False)
    try:
        mo.write_bytes(buffer.getvalue())
    except OSError:
        return buffer.getvalue()
    return None


def _(message: str) -> str:
    """``message`` in the rep's language."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the rep's language."""
    return _active.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the rep's language, told apart from the same English word by ``context``."""
    return _active.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalog without translating it now (translate where shown)."""
    return message


# --- numbers and dates per locale (Babel; imported only when a number is formatted) ---------


def babel_locale() -> str:
    """The Babel locale of the language spoken now (``de_DE`` or ``en_US``)."""
    return {"de": "de_DE", "en": "en_US"}.get(_language, "en_US")


def number(value: int | float, digits: int | None = None) -> str:
    """``1234.5`` → ``1.234,5`` (German) or ``1,234.5`` (English)."""
    from babel.numbers import format_decimal

    if digits is None:
        return format_decimal(value, locale=babel_locale())
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=babel_locale())


def percent(ratio: float, digits: int = 1) -> str:
    """``0.3333`` → ``33,3 %`` (German) or ``33.3%`` (English)."""
    from babel import Locale
    from babel.numbers import format_percent

    locale = Locale.parse(babel_locale())
    pattern = locale.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return format_percent(ratio, format=pattern, locale=locale)


def day(value: date | datetime) -> str:
    """A short day with weekday: ``Mo., 7. Dez.`` (German) or ``Mon, Dec 7`` (English)."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", value, locale=babel_locale())


def day_time(value: datetime) -> str:
    """Weekday, day and time: ``Mo., 7. Dez., 09:30`` or ``Mon, Dec 7, 9:30 AM``."""
    from babel.dates import format_time

    return f"{day(value)}, {format_time(value, format='short', locale=babel_locale())}"


def full_date(value: date | datetime) -> str:
    """A date with year: ``07.12.2026`` (German) or ``Dec 7, 2026`` (English)."""
    from babel.dates import format_date

    return format_date(value, format="medium", locale=babel_locale())
