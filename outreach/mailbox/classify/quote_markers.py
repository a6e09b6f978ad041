"""Line patterns that introduce quoted or forwarded mail, in the common mail languages."""

from __future__ import annotations

import re

_WROTE = (
    r"wrote|writes|said|says|schrieb|geschrieben|a\s+écrit|a\s+ecrit|écrit|escribió|escribio"
    r"|ha\s+scritto|scrisse|schreef|het\s+volgende\s+geschreven|escreveu|napisał(?:\(a\))?"
    r"|napisal|pisze|skrev|kirjoitti|написал(?:а)?|написав(?:ла)?|пише|写道|寫道|yazdı|έγραψε|a\s+scris|napsal"
    r"|írta|wrote\s+on"
)
_WROTE_RE = re.compile(rf"(?:{_WROTE})", re.I)
_STARTERS = (
    r"On|Am|Le|El|Il|Op|Em|Dnia|Dňa|Den|På|W\s+dniu|Pada|Ve|Dne|В|Στις|Às|Lúc|At|In\s+message"
)
_STARTER_RE = re.compile(rf"^[\s>*-]*(?:{_STARTERS})\s", re.I)
_INTRO_END_RE = re.compile(rf"(?:{_WROTE})(?:\b[^\n]{{0,120}}?:|\s*+[:.]?)[\s>*-]*+$", re.I)
_DATE_NAME_EMAIL_RE = re.compile(
    r"(?<!\d)\d{4}.{1,80}?\s?<?(?<![^@<>\s])[^@<>\s]+@[^@<>\s.]+\.[^@<>\s]++>?\s*+:\s*+$|"
    r"^[\s>]*\d{4}-\d\d-\d\d \d{1,2}:\d\d GMT[+-]\d\d:\d\d [\w\s]+$"
)
_FORWARD_RE = re.compile(
    r"^[\s>*]*+(?:-{2,}|_{2,}|={2,})?\s*+(?:Original\s+Message|Forwarded\s+message|Forwarded\s+Message"
    r"|Reply\s+Message|Ursprüngliche\s+Nachricht|Weitergeleitete\s+Nachricht|Originalnachricht"
    r"|Message\s+d'origine|Message\s+transféré|Mail\s+original|Mensaje\s+original"
    r"|Mensaje\s+reenviado|Messaggio\s+originale|Messaggio\s+inoltrato|Oorspronkelijk\s+bericht"
    r"|Origineel\s+bericht|Doorgestuurd\s+bericht|Mensagem\s+original|Mensagem\s+encaminhada"
    r"|Originalmeddelande|Opprinnelig\s+melding|Oryginalna\s+wiadomość|Исходное\s+сообщение"
    r"|Пересланное\s+сообщение|Oprindelig\s+besked|Videresendt\s+besked|Ursprungligt\s+meddelande"
    r"|Vidarebefordrat\s+meddelande|Alkuperäinen\s+viesti|Välitetty\s+viesti"
    r"|Wiadomość\s+oryginalna|原始邮件|原始郵件|转发的邮件)\s*(?:-{2,}|_{2,}|={2,})?\s*[*]?\s*$|"
    r"^[\s>]*+(?:Begin\s+forwarded\s+message|Début\s+du\s+message\s+(?:transféré|réexpédié)"
    r"|Anfang\s+der\s+weitergeleiteten\s+(?:Nachricht|E-Mail)|Inicio\s+del\s+mensaje\s+reenviado"
    r"|Inizio\s+messaggio\s+inoltrato|Begin\s+doorgestuurd\s+bericht)\s*:",
    re.I,
)
_VIA_WROTE_RE = re.compile(rf"^.+\svia\s.+\s(?:{_WROTE})\s*:?\s*$", re.I)
_SOMEONE_EMAIL_WROTE_RE = re.compile(
    rf"^.*(?<![\w.+-])[\w.+-]+@[\w.-]+\.\w{{2,}}\b.*\b(?:{_WROTE})\s*+:?\s*+$", re.I
)
_SOMEONE_WROTE_ON_RE = re.compile(r"^.+\b(?:wrote|schrieb)\s+(?:on|am)\b.+:\s*$", re.I)
_POSTED_BY_RE = re.compile(r"^[\s>]*Posted by .+ on \d{1,2}/\d{1,2}/\d{4}\s*$", re.I)
_INTRO_RES = (_DATE_NAME_EMAIL_RE, _VIA_WROTE_RE, _SOMEONE_EMAIL_WROTE_RE, _SOMEONE_WROTE_ON_RE)
_HEADER_NAMES = {
    "from": r"From|Von|De|Van|Da|Från|Fra|Od|От|Lähettäjä|Kimden|Feladó|发件人|寄件者|Expéditeur"
    r"|Absender",
    "date": r"Sent|Date|Datum|Dato|Päivämäärä|Lähetetty|Message\s+du|Gesendet|Envoyé|Enviado"
    r"|Enviada|Enviada\s+em|Inviato|Verzonden|Fecha|Data|Skickat|Sendt|Wysłano|Отправлено|Дата|发送时间|日期|Le",
    "to": r"To|An|À|A|Para|Aan|Till|Til|Do|Vastaanottaja|Кому|收件人|Destinataire|Empfänger",
    "cc": r"Cc|Kopie|Copie\s+à|CC",
    "subject": r"Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Ämne|Emne|Aihe|Assunto|Temat|Тема"
    r"|主题|主旨|Sujet",
    "reply-to": r"Reply-To|Antwort\s+an|Répondre\s+à|Beantwoorden\s+-\s+Aan",
}
_HEADER_RES = {
    kind: re.compile(rf"^[\s>]*[*]?(?:{names})[*]?\s*[:：][*]?(?:\s*\S|\s*$)", re.I)
    for kind, names in _HEADER_NAMES.items()
}


_FRAMED_TITLE_RE = re.compile(r"^[\s>*]*-{3,}\s*[^\W\d_][^\n-]{2,40}?\s*-{3,}[\s*]*$")


def is_framed_title(line: str) -> bool:
    """A "-------- Original-message-in-any-language --------" line."""
    return bool(_FRAMED_TITLE_RE.match(line))


def is_quote_intro(line: str) -> bool:
    """True for a line that announces quoted or forwarded mail ("On … wrote:")."""
    text = line.strip()
    if not text or len(text) > 400:
        return False
    if _FORWARD_RE.search(text) or _POSTED_BY_RE.search(text):
        return True
    if _STARTER_RE.search(text) and _INTRO_END_RE.search(text):
        return True
    return any(regex.search(text) for regex in _INTRO_RES)


_DATE_START_RE = re.compile(
    r"^[\s>]*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b"
)
_ADDRESS_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""The lookbehind starts a match only where a run of address characters starts: without
it a search re-scans the run from each of its characters (quadratic on "aaaa…")."""


def may_start_intro(line: str) -> bool:
    """True for a line that could begin an intro wrapped over several lines."""
    return starts_like_intro(line) and not line.rstrip().endswith(":")


def starts_like_intro(line: str) -> bool:
    """True for a line opening like an intro: "On …", "Am …", a date."""
    return len(line) < 300 and bool(_STARTER_RE.search(line) or _DATE_START_RE.search(line))


def names_writer(line: str) -> bool:
    """True for a line with a "wrote" verb after an address ("Max <m@x.de> schrieb am")."""
    return len(line) < 300 and bool(_ADDRESS_RE.search(line) and _WROTE_RE.search(line))


def ends_with_address_colon(line: str) -> bool:
    """A short line naming an address and ending with ':' ("… <a@b.org> skrev:")."""
    text = line.strip()
    return len(text) < 250 and text.endswith(":") and bool(_ADDRESS_RE.search(text))


def has_date_and_address(line: str) -> bool:
    """A line starting with a date and naming an address ("2013/7/20 sam <s@x.org>")."""
    return len(line) < 200 and bool(_DATE_START_RE.search(line) and _ADDRESS_RE.search(line))


def ends_with_wrote(line: str) -> bool:
    """True for a line ending in a "wrote:" verb, such as "Jane wrote:"."""
    text = line.strip()
    return text.endswith(":") and bool(_WROTE_RE.search(text[-40:]))


def header_kind(line: str) -> str | None:
    """``from``/``date``/``to``/``cc``/``subject``/``reply-to`` for a quoted header line."""
    if len(line) > 600:
        return None
    for kind, regex in _HEADER_RES.items():
        if regex.search(line):
            return kind
    return None
