"""Quote removal across clients' quoting styles, and our own sent text never counting.

The s-nail messages in tests/data/classify/clients/ were produced by s-nail 14.9.24 itself
(``-n``: POSIX defaults, TAB quote; and with Debian's /etc/s-nail.rc, ``> `` quote). The
other layouts are what each client writes (attribution wording, header block, HTML
markers) with our first step quoted under a "ja, gerne" answer.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from outreach.mailbox.classify import Kind, classify, parse_message, split_reply
from outreach.mailbox.classify.ours import normalized, ours_mask

CLIENTS = Path(__file__).parent / "data" / "classify" / "clients"
ANSWER = "Ja, gerne! Dienstag passt."
OURS = """\
Hallo Max,

wir helfen Teams wie Ihrem, schneller zu liefern. Haben Sie nächste Woche
15 Minuten?

Viele Grüße
Lena

PS: Kein Interesse? Antworten Sie einfach mit "abmelden".
"""


def indented(prefix: str, text: str = OURS) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


PLAIN_STYLES = {
    "bsd-mailx-tab-bottom": f"Lena Maier <lena@sales.test> wrote:\n\n{indented(chr(9))}\n\n{ANSWER}\n",
    "tab-top-and-bottom": f"Ja, gerne!\n\nLena Maier <lena@sales.test> wrote:\n"
    f"{indented(chr(9))}\n\nDienstag passt.\n",
    "spaces-bottom": f"On Mon, Dec 7, 2026 at 10:00 AM Lena <lena@sales.test> wrote:\n\n"
    f"{indented('    ')}\n\n{ANSWER}\n",
    "nested-gt": f"{ANSWER}\n\nAm 07.12.26 um 10:00 schrieb Lena Maier:\n>> {indented('> ')}\n",
    "thunderbird-de": f"{ANSWER}\n\nAm 07.12.2026 um 10:00 schrieb Lena Maier:\n{indented('> ')}\n",
    "apple-mail-de": f"{ANSWER}\n\n> Am 07.12.2026 um 10:00 schrieb Lena Maier <lena@sales.test>:\n"
    f">\n{indented('> ')}\n",
    "gmail-en-wrapped": f"{ANSWER}\n\nOn Mon, Dec 7, 2026 at 10:00 AM Lena Maier <\nlena@sales.test> wrote:\n\n"
    f"{indented('> ')}\n",
    "gmail-fr": f"{ANSWER}\n\nLe lun. 7 déc. 2026 à 10:00, Lena Maier <lena@sales.test> a écrit :\n\n"
    f"{indented('> ')}\n",
    "gmail-es": f"{ANSWER}\n\nEl lun, 7 dic 2026 a las 10:00, Lena Maier (<lena@sales.test>) escribió:\n\n"
    f"{indented('> ')}\n",
    "gmail-it": f"{ANSWER}\n\nIl giorno lun 7 dic 2026 alle ore 10:00 Lena Maier <lena@sales.test> ha scritto:\n\n"
    f"{indented('> ')}\n",
    "gmail-nl": f"{ANSWER}\n\nOp ma 7 dec 2026 om 10:00 schreef Lena Maier <lena@sales.test>:\n\n"
    f"{indented('> ')}\n",
    "outlook-original-de": f"{ANSWER}\n\n-----Ursprüngliche Nachricht-----\nVon: Lena Maier "
    f"<lena@sales.test>\nGesendet: Montag, 7. Dezember 2026 10:00\nAn: Max <max@x.de>\n"
    f"Betreff: Kurze Frage\n\n{OURS}",
    "outlook-original-en": f"{ANSWER}\n\n-----Original Message-----\nFrom: Lena Maier "
    f"<lena@sales.test>\nSent: Monday, December 7, 2026 10:00 AM\nTo: Max <max@x.de>\n"
    f"Subject: Kurze Frage\n\n{OURS}",
    "outlook-underscore-de": f"{ANSWER}\n\n________________________________\nVon: Lena Maier "
    f"<lena@sales.test>\nGesendet: Montag, 7. Dezember 2026 10:00\nAn: Max <max@x.de>\n"
    f"Betreff: Kurze Frage\n\n{OURS}",
    "outlook-bold-block": f"{ANSWER}\n\n*From:* Lena Maier <lena@sales.test>\n*Sent:* Monday, "
    f"December 7, 2026 10:00 AM\n*To:* Max <max@x.de>\n*Subject:* Kurze Frage\n\n{OURS}",
}

GMAIL_HTML = (
    '<div dir="ltr">Ja, gerne! Dienstag passt.</div><br><div class="gmail_quote">'
    '<div dir="ltr" class="gmail_attr">Am Mo., 7. Dez. 2026 um 10:00 Uhr schrieb Lena Maier '
    "&lt;lena@sales.test&gt;:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0\">"
    "Hallo Max,<br><br>wir helfen Teams wie Ihrem, schneller zu liefern.<br><br>"
    "PS: Kein Interesse? Antworten Sie einfach mit &quot;abmelden&quot;.</blockquote></div>"
)
OUTLOOK_HTML = (
    '<html><body><div>Ja, gerne! Dienstag passt.</div><hr style="display:inline-block">'
    '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>Von:</b> Lena Maier '
    "&lt;lena@sales.test&gt;<br><b>Gesendet:</b> Montag, 7. Dezember 2026 10:00<br>"
    "<b>An:</b> Max<br><b>Betreff:</b> Kurze Frage</font><div> </div></div>"
    "<div>Hallo Max,<p>PS: Kein Interesse? Antworten Sie einfach mit \"abmelden\".</p></div>"
    "</body></html>"
)
APPLE_HTML = (
    "<html><body>Ja, gerne! Dienstag passt.<br><div><br><blockquote type=\"cite\">"
    "<div>Am 07.12.2026 um 10:00 schrieb Lena Maier &lt;lena@sales.test&gt;:</div><br>"
    "<div>Hallo Max,<br>PS: Kein Interesse? Antworten Sie einfach mit \"abmelden\".</div>"
    "</blockquote></div></body></html>"
)


def reply(body: str, *, html: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Max Mueller <max@prospects.test>"
    msg["To"] = "lena@sales.test"
    msg["Subject"] = "Re: Kurze Frage"
    msg["In-Reply-To"] = "<abc.123@sales.test>"
    msg.set_content(body, subtype="html" if html else "plain")
    return msg


@pytest.mark.parametrize("style", sorted(PLAIN_STYLES))
def test_each_plain_quoting_style_leaves_only_the_answer(style: str) -> None:
    assert " ".join(split_reply(PLAIN_STYLES[style]).body.split()) == ANSWER


@pytest.mark.parametrize("style", sorted(PLAIN_STYLES))
def test_the_quoted_ps_is_no_opt_out_even_without_knowing_what_we_sent(style: str) -> None:
    result = classify(reply(PLAIN_STYLES[style]))
    assert (result.kind, " ".join(result.new_text.split())) == (Kind.REPLY, ANSWER)


@pytest.mark.parametrize("html", [GMAIL_HTML, OUTLOOK_HTML, APPLE_HTML],
                         ids=["gmail_quote", "divRplyFwdMsg", "blockquote-cite"])
def test_html_quotes_of_each_client_are_removed(html: str) -> None:
    result = classify(reply(html, html=True))
    assert (result.kind, result.new_text) == (Kind.REPLY, ANSWER)


@pytest.mark.parametrize("name", ["s-nail-tab-quote.eml", "s-nail-debian-rc.eml"])
def test_real_s_nail_replies(name: str) -> None:
    result = classify(parse_message((CLIENTS / name).read_bytes()))
    assert (result.kind, result.new_text) == (Kind.REPLY, ANSWER)


# -- what we sent is never the prospect's ---------------------------------------------------

UNMARKED = f"{ANSWER}\n\n{OURS}"
"""A client that pasted our mail under the answer with no marker at all."""
REWRAPPED = (
    f"{ANSWER}\n\n: Hallo Max, wir helfen Teams wie Ihrem, schneller zu liefern. Haben Sie\n"
    ': nächste Woche 15 Minuten? Viele Grüße Lena PS: Kein Interesse? Antworten Sie\n'
    ': einfach mit "abmelden".\n'
)
"""Quoted with an unknown marker and re-wrapped at another width."""


@pytest.mark.parametrize("body", [UNMARKED, REWRAPPED], ids=["unmarked", "rewrapped"])
def test_text_matching_our_sent_step_is_never_the_prospects(body: str) -> None:
    assert classify(reply(body)).kind is Kind.UNSUBSCRIBE  # without the comparison: wrong
    result = classify(reply(body), sent_texts=[OURS])
    assert (result.kind, result.new_text) == (Kind.REPLY, ANSWER)


def test_the_prospects_own_opt_out_still_counts_next_to_our_quoted_ps() -> None:
    body = f"Bitte abmelden, kein Bedarf.\n\n{OURS}"
    result = classify(reply(body), sent_texts=[OURS])
    assert result.kind is Kind.UNSUBSCRIBE
    assert result.new_text == "Bitte abmelden, kein Bedarf."


def test_short_lines_are_ours_only_where_they_join_our_text() -> None:
    lines = ["Danke", "", "Hallo Max,", "", "wir helfen Teams wie Ihrem, schneller zu liefern.",
             "Viele Grüße", "Lena", "", "PS: Kein Interesse? Antworten Sie einfach mit"]
    assert ours_mask(lines, [OURS]) == [False, False, True, False, True, True, True, False, True]
    assert ours_mask(["Lena", "", "Danke"], [OURS]) == [False, False, False]


def test_an_answer_of_one_word_from_our_ps_stays_the_prospects() -> None:
    ps = 'PS: Not relevant? Reply "unsubscribe" and I won\'t write again.'
    ours = f"Hi Max,\n\nWorth a short call?\n\nunsubscribe\n{ps}\n"
    body = f"unsubscribe\n\nHi Max,\n\nWorth a short call?\n\n{ps}\n"
    result = classify(reply(body), sent_texts=[ours])
    assert result.kind is Kind.UNSUBSCRIBE and result.new_text == "unsubscribe"


def test_normalized_ignores_quote_markers_case_and_typographic_quotes() -> None:
    assert normalized('> >  Antworten  Sie mit „abmelden“') == 'antworten sie mit "abmelden"'
