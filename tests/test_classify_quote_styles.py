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

ATTRIBUTIONS = {
    "thunderbird-en": "On 12/7/26 10:00 AM, Lena Maier wrote:",
    "apple-mail-en": "> On Dec 7, 2026, at 10:00, Lena Maier <lena@sales.test> wrote:\n>",
    "gmail-sv": "Den mån 7 dec. 2026 kl 10:00 skrev Lena Maier <lena@sales.test>:",
    "thunderbird-da": "Den 07.12.2026 kl. 10.00 skrev Lena Maier:",
    "gmail-no": "man. 7. des. 2026 kl. 10:00 skrev Lena Maier <lena@sales.test>:",
    "thunderbird-pl": "W dniu 7.12.2026 o 10:00, Lena Maier pisze:",
    "gmail-pl": "pon., 7 gru 2026 o 10:00 Lena Maier <lena@sales.test> napisał(a):",
    "gmail-fi": "ma 7. jouluk. 2026 klo 10.00 Lena Maier (lena@sales.test) kirjoitti:",
    "thunderbird-fr": "Le 07/12/2026 à 10:00, Lena Maier a écrit :",
    "thunderbird-es": "El 7/12/26 a las 10:00, Lena Maier escribió:",
    "thunderbird-it": "Il 07/12/26 10:00, Lena Maier ha scritto:",
    "thunderbird-nl": "Op 07-12-2026 om 10:00 schreef Lena Maier:",
    "gmail-pt": "Em seg., 7 de dez. de 2026 às 10:00, Lena Maier <lena@sales.test> escreveu:",
}
"""Attribution lines of Gmail, Thunderbird and Apple Mail in the OOO rules' languages."""
OUTLOOK_HEADERS = {
    "fr": "De : Lena Maier <lena@sales.test>\nEnvoyé : lundi 7 décembre 2026 10:00\nÀ : Max\n"
    "Objet : Kurze Frage",
    "es": "De: Lena Maier <lena@sales.test>\nEnviado el: lunes, 7 de diciembre de 2026 10:00\n"
    "Para: Max\nAsunto: Kurze Frage",
    "it": "Da: Lena Maier <lena@sales.test>\nInviato: lunedì 7 dicembre 2026 10:00\nA: Max\n"
    "Oggetto: Kurze Frage",
    "nl": "Van: Lena Maier <lena@sales.test>\nVerzonden: maandag 7 december 2026 10:00\n"
    "Aan: Max\nOnderwerp: Kurze Frage",
    "pl": "Od: Lena Maier <lena@sales.test>\nWysłano: poniedziałek, 7 grudnia 2026 10:00\n"
    "Do: Max\nTemat: Kurze Frage",
    "sv": "Från: Lena Maier <lena@sales.test>\nSkickat: den 7 december 2026 10:00\nTill: Max\n"
    "Ämne: Kurze Frage",
    "fi": "Lähettäjä: Lena Maier <lena@sales.test>\nLähetetty: maanantai 7. joulukuuta 2026\n"
    "Vastaanottaja: Max\nAihe: Kurze Frage",
    "da": "Fra: Lena Maier <lena@sales.test>\nSendt: 7. december 2026 10:00\nTil: Max\n"
    "Emne: Kurze Frage",
    "mac-en": "From: Lena Maier <lena@sales.test>\nDate: Monday, 7 December 2026 at 10:00\n"
    "To: Max\nSubject: Kurze Frage",
    "de-cc": "Von: Lena Maier <lena@sales.test>\nGesendet: Montag, 7. Dezember 2026 10:00\n"
    "An: Max\nCc: Anna <a@x.de>\nBetreff: Kurze Frage",
}


QUOTED_UNDER = [
    pytest.param(intro, prefix, id=f"{name}-{'tab' if prefix == chr(9) else 'gt'}")
    for name, intro in ATTRIBUTIONS.items()
    for prefix in ("> ", "\t")
    if prefix == "> " or not intro.startswith(">")  # Apple Mail quotes with ">" only
]


@pytest.mark.parametrize(("intro", "prefix"), QUOTED_UNDER)
def test_attribution_lines_in_every_language(intro: str, prefix: str) -> None:
    top = f"{ANSWER}\n\n{intro}\n{indented(prefix)}\n"
    bottom = f"{intro}\n{indented(prefix)}\n\n{ANSWER}\n"
    assert " ".join(split_reply(top).body.split()) == ANSWER
    if not intro.startswith(">"):
        assert " ".join(split_reply(bottom).body.split()) == ANSWER


@pytest.mark.parametrize("block", OUTLOOK_HEADERS.values(), ids=list(OUTLOOK_HEADERS))
@pytest.mark.parametrize("rule", ["", "________________________________\n"], ids=["bare", "rule"])
def test_outlook_header_blocks_in_every_language(block: str, rule: str) -> None:
    text = f"{ANSWER}\n\n{rule}{block}\n\n{OURS}"
    assert split_reply(text).body == ANSWER


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
    # without the comparison our PS stays in the "new" text (only the opt-out rules' own
    # caution about a quoted word then keeps it from counting)
    assert "abmelden" in classify(reply(body)).new_text
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
