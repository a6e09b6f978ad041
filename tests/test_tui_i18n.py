"""The TUI speaks the language it was built in (issue 21).

The app is built after ``i18n.use("de")`` and driven through its screens: none of them
shows an English phrase of the TUI's catalog entries (two words or more, where the German
differs), and German ones are there. Built again in the same process after
``i18n.use("en")``, it shows English and none of the German. The phrases are those of
entries used under ``outreach/tui/``: text that comes from the views (state names,
reasons, timeline entries), from the mail of the test world or from Textual is not
checked here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from outreach import i18n
from tests.test_tui_support import SCREENS, World, make_app, reach, write_leads

pytest_plugins = ("tests.test_tui_support",)  # the `world` fixtures

ROOT = Path(__file__).resolve().parent.parent
GERMAN = ROOT / "outreach" / "locale" / "de" / "LC_MESSAGES" / "outreach.po"
SIZE = (160, 48)
CHECKED = (
    "dashboard", "campaigns", "campaign", "campaign_plan", "campaign_new", "campaign_start",
    "campaign_export", "prospects", "prospect_timeline", "prospect_add_to_campaign",
    "prospects_import", "inbox", "sequences", "sequence_preview", "mailboxes", "mailbox_form",
    "help",
)  # fmt: skip
_SPLIT = re.compile(r"\{[^{}]*\}|\*\*|`|\n|[“”„\"]")
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")
_FRAME = re.compile(r"[│█▊▎▔▁▄▀╭╮╰╯─━╸╺▅▃▐▌▕▏▍▋▌▉▂▆▇]")


def catalog() -> Catalog:
    with GERMAN.open("rb") as handle:
        return read_po(handle)


def tui_pairs() -> list[tuple[str, str]]:
    """(English, German) of every entry used in outreach/tui/, plural forms each."""
    pairs: list[tuple[str, str]] = []
    for message in catalog():
        if not message.id or not any(
            where.startswith("outreach/tui/") for where, _line in message.locations
        ):
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        pairs += list(zip(ids, strings, strict=True))
    return pairs


def phrases(text: str, other: str) -> list[str]:
    """The parts of ``text`` (between placeholders and markup) of two words or more that
    the other language's text does not contain as well."""
    return [
        part.strip() for part in _SPLIT.split(text)
        if len(_WORD.findall(part)) >= 2 and part.strip() not in other
    ]  # fmt: skip


PAIRS = tui_pairs()
ENGLISH = sorted({p for en, de in PAIRS if en != de for p in phrases(en, de)})
GERMAN_PHRASES = sorted({p for en, de in PAIRS if en != de for p in phrases(de, en)})


def shown(app: Any) -> str:
    """What the terminal shows, frames taken out and lines joined (wrapped text reads on)."""
    strips = app.screen._compositor.render_strips()
    lines = (_FRAME.sub(" ", strip.text) for strip in strips)
    return re.sub(r"\s+", " ", " ".join(lines))


async def screens_in(language: str, world: World) -> dict[str, str]:
    """Each checked screen as shown by an app built (and run) in ``language``."""
    seen: dict[str, str] = {}
    steps: dict[str, tuple[tuple[str, ...], Callable[[Any], None] | None]] = {
        name: (keys, after) for name, keys, after in SCREENS
    }
    with i18n.language(language):
        for name in CHECKED:
            keys, after = steps[name]
            app = make_app(world, sequences_dir=Path("sequences"))
            async with app.run_test(size=SIZE) as pilot:
                await reach(pilot, keys, after)
                seen[name] = shown(app)
    return seen


@pytest.fixture
def here(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.chdir(world.sequences.parent)
    write_leads(world.sequences.parent)
    return world


def test_the_catalog_covers_the_tui() -> None:
    """Every TUI entry has German, with the same placeholders (the check can fail)."""
    assert len(PAIRS) > 400
    missing = [en for en, de in PAIRS if not de]
    assert not missing, missing
    placeholders = re.compile(r"\{[^{}]*\}")
    differ = [(en, de) for en, de in PAIRS
              if sorted(placeholders.findall(en)) != sorted(placeholders.findall(de))]  # fmt: skip
    assert not differ, differ
    assert "Next page" in ENGLISH and "Nächste Seite" in GERMAN_PHRASES


async def test_german_app_then_english_app(here: World) -> None:
    german = await screens_in("de", here)
    english_left = {
        name: [p for p in ENGLISH if p in text] for name, text in german.items()
    }
    assert not any(english_left.values()), {k: v for k, v in english_left.items() if v}
    for name, text in german.items():  # not vacuous: each screen speaks German
        assert any(p in text for p in GERMAN_PHRASES), (name, text[:300])
    assert "Nächste Seite" in german["prospects"] and "Zu lesende Antworten" in german["dashboard"]
    assert "Eine Taste, eine Bedeutung" in german["help"]

    english = await screens_in("en", here)
    german_left = {name: [p for p in GERMAN_PHRASES if p in text] for name, text in english.items()}
    assert not any(german_left.values()), {k: v for k, v in german_left.items() if v}
    for name, text in english.items():
        assert any(p in text for p in ENGLISH), (name, text[:300])
    assert "Next page" in english["prospects"] and "Replies to read" in english["dashboard"]
    assert "One key, one meaning" in english["help"]


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [("de", ("Zur Übersicht", "Versand: hier starten", "Die Anwendung so bald wie möglich",
             "Befehle suchen…"), "Go to Dashboard"),
     ("en", ("Go to Dashboard", "Engine: run here", "Quit the application as soon as",
             "Search for commands…"), "Zur Übersicht")],
)  # fmt: skip
async def test_command_palette_speaks_the_language(
    language: str, expected: tuple[str, ...], absent: str, here: World
) -> None:
    """ctrl+p lists our entries and Textual's own (theme, quit, keys) in the app's language."""
    from tests.test_tui_support import until

    with i18n.language(language):
        app = make_app(here, sequences_dir=Path("sequences"))
        async with app.run_test(size=SIZE) as pilot:
            await reach(pilot, (), None)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: expected[0] in shown(app), what="the palette's entries")
            text = shown(app)
    assert all(phrase in text for phrase in expected), text
    assert absent not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ("Tue 14:05", "2d 3h", "in 4h 05m", "auto-reply", "not now", "paused", "03 Mar 2026")),
     ("de", ("Di. 14:05", "2T 3h", "in 4h 05m", "automatische Antwort", "später", "pausiert",
             "3. März 2026"))],
)  # fmt: skip
def test_times_and_stored_names_in_the_language(language: str, expected: tuple[str, ...]) -> None:
    """Weekdays and months from Babel; states, kinds and intents as the rep reads them."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from outreach.tui import format as fmt

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    with i18n.language(language):
        shown = (
            fmt.local(datetime(2026, 3, 3, 14, 5, tzinfo=UTC), ZoneInfo("UTC"), now),
            fmt.duration(timedelta(days=2, hours=3)),
            fmt.countdown(now + timedelta(hours=4, minutes=5), now),
            fmt.kind_label("auto_reply"),
            fmt.intent_label("not_now"),
            fmt.state_label("paused"),
            fmt.dated(datetime(2026, 3, 3).date(), "date"),
        )
    assert shown == expected
    assert fmt.state_label("no_such_state") == "no such state"  # unknown: as stored, spaced
