"""A mail server's refusal in plain words, with the server's own text and what to try (pure).

IMAP errors reach us as ``str(bytes)`` (``b'[AUTHENTICATIONFAILED] Authentication failed.'``,
imaplib hands imapclient the raw response line): :func:`server_text` decodes that back into
the server's words. A leading RFC 5530 response code (``[AUTHENTICATIONFAILED]``) or an SMTP
reply code (``535 5.7.8``) picks the plain meaning and the advice; well-known provider
phrases (Gmail's app passwords, Microsoft 365's disabled SMTP AUTH) win over the code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from outreach.i18n import N_, _

ADDRESS = "ADDRESS"
"""Stands for the mailbox's address in advice when the caller does not know it."""

_BYTES_REPR = re.compile(r"""\[?b(?P<lit>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]?""")
_IMAP_CODE = re.compile(r"^\s*\[(?P<code>[A-Z][A-Z0-9-]*)(?:\s[^\]]*)?\]\s*")
_SMTP_STATUS = re.compile(r"^\s*(?P<status>[245]\.\d{1,3}\.\d{1,3})\s+")



@dataclass(frozen=True)
class Meaning:
    """What a refusal means and what the rep can try (``{address}`` is filled in)."""

    words: str
    advice: str = ""


WRONG_PASSWORD = Meaning(
    N_("wrong user name or password"),
    N_("check the password (an app password if the account uses two-factor sign-in) and the "
    "login name (--username), then `outreach mailbox edit {address} --password-stdin`"),
)
TOKEN_REFUSED = Meaning(
    N_("the OAuth2 access token was not accepted (expired, or for another account)"),
    N_("run the --oauth2-token-command by hand and check it prints a fresh access token for "
    "this address; change it with `outreach mailbox edit {address} --oauth2-token-command …`"),
)
APP_PASSWORD = Meaning(
    N_("this account needs an app password, not the normal password"),
    N_("create an app password in the account's security settings, then "
    "`outreach mailbox edit {address} --password-stdin`"),
)
SMTP_AUTH_DISABLED = Meaning(
    N_("SMTP sign-in (Authenticated SMTP) is turned off for this account"),
    N_("ask the mail admin to allow Authenticated SMTP for this mailbox, or sign in with "
    "OAuth2: `outreach mailbox edit {address} --oauth2-token-command …`"),
)
ENCRYPTION_FIRST = Meaning(
    N_("the server wants an encrypted connection before the login"),
    N_("use --smtp-security starttls/tls or --imap-security tls/starttls "
    "(`outreach mailbox edit {address} …`)"),
)
TRY_LATER = Meaning(
    N_("the server cannot do this right now (a temporary refusal)"),
    N_("wait a few minutes and test again"),
)

IMAP_CODES: dict[str, Meaning] = {
    "AUTHENTICATIONFAILED": WRONG_PASSWORD,
    "AUTHORIZATIONFAILED": Meaning(
        N_("the login name is not allowed to use this mailbox"),
        N_("check the login name (--username): `outreach mailbox edit {address} --username …`"),
    ),
    "EXPIRED": Meaning(
        N_("the password or the account has expired"),
        N_("renew it with your mail provider, then "
        "`outreach mailbox edit {address} --password-stdin`"),
    ),
    "PRIVACYREQUIRED": ENCRYPTION_FIRST,
    "CONTACTADMIN": Meaning(
        N_("the server asks you to contact its administrator"), N_("ask your mail admin why")
    ),
    "UNAVAILABLE": TRY_LATER,
    "INUSE": TRY_LATER,
    "LIMIT": Meaning(
        N_("the server refused: a limit of the account was reached"),
        N_("try again later"),
    ),
    "OVERQUOTA": Meaning(N_("the mailbox is full"), N_("delete or archive mail to free space")),
    "NOPERM": Meaning(
        N_("this user may not open that folder"),
        N_("check the folder's permissions"),
    ),
    "NONEXISTENT": Meaning(N_("the folder does not exist"), N_("check the folder's name")),
    "SERVERBUG": Meaning(N_("the server reports an internal error"), N_("try again later")),
}

SMTP_CODES: dict[int, Meaning] = {
    535: WRONG_PASSWORD,
    534: APP_PASSWORD,
    530: Meaning(
        N_("the server wants a login (or encryption) before this command"),
        N_("use --smtp-security starttls or tls and a password"),
    ),
    538: ENCRYPTION_FIRST,
    454: TRY_LATER,
    421: Meaning(
        N_("the server closed the connection (busy or shutting down)"),
        N_("try again later"),
    ),
    432: Meaning(
        N_("the server wants a password change first"),
        N_("change it with your mail provider"),
    ),
    550: Meaning(
        N_("the server refused the address"),
        N_("check the mailbox address and --username"),
    ),
    553: Meaning(
        N_("the server does not let this login send as this address"),
        N_("check --username"),
    ),
    554: Meaning(
        N_("the server refused the transaction"),
        N_("ask your mail admin with the text above"),
    ),
}

PHRASES: tuple[tuple[re.Pattern[str], Meaning], ...] = (
    (re.compile(r"application-specific password|app password", re.I), APP_PASSWORD),
    (re.compile(r"SmtpClientAuthentication is disabled|5\.7\.139", re.I), SMTP_AUTH_DISABLED),
    (re.compile(r"must issue a STARTTLS|encryption required|5\.7\.11\b", re.I), ENCRYPTION_FIRST),
    (re.compile(r"AUTH extension (?:is )?not supported", re.I), Meaning(
        N_("the server offers no login on this port"),
        N_("use the submission port (587 with starttls, 465 with tls): "
        "`outreach mailbox edit {address} --smtp-port 587 --smtp-security starttls`"),
    )),
)


@dataclass(frozen=True)
class Refusal:
    """A refusal: the server's words, its code, what that means and what to try."""

    said: str
    code: str = ""
    meaning: Meaning | None = None

    def with_token(self) -> Refusal:
        """This refusal of an OAuth2 sign-in: a refused login means the token, not a password."""
        if self.meaning is WRONG_PASSWORD:
            return Refusal(self.said, self.code, TOKEN_REFUSED)
        return self

    def describe(self, address: str = ADDRESS) -> str:
        """One line: ``meaning: the server said “…” (code). Try: advice``."""
        said = (_("the server said “{words}”").format(words=self.said) if self.said
                else _("the server gave no reason"))
        code = f" ({self.code})" if self.code else ""
        if self.meaning is None:
            return f"{said}{code}"
        advice = _(self.meaning.advice).format(address=address) if self.meaning.advice else ""
        tail = ". " + _("Try: {advice}").format(advice=advice) if advice else ""
        return f"{_(self.meaning.words)}: {said}{code}{tail}"


def server_text(raw: bytes | str) -> str:
    """The server's words as text: bytes decoded, ``b'…'`` reprs inside a message unquoted."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace").strip()
    return _BYTES_REPR.sub(_unquote, raw).strip()


def _unquote(match: re.Match[str]) -> str:
    try:
        value = ast.literal_eval("b" + match.group("lit"))
    except (ValueError, SyntaxError):
        return match.group(0)
    return bytes(value).decode("utf-8", errors="replace")


def imap_refusal(raw: bytes | str) -> Refusal:
    """An IMAP ``NO``/``BAD`` text: ``[CODE] words`` into its parts and meaning."""
    text = server_text(raw)
    found = _IMAP_CODE.match(text)
    code = found.group("code") if found else ""
    said = text[found.end():] if found else text
    return Refusal(said, code, _by_phrase(text) or IMAP_CODES.get(code))


def smtp_refusal(reply_code: int, message: str) -> Refusal:
    """An SMTP reply: its code, enhanced status (``5.7.8``) and text."""
    text = server_text(message)
    found = _SMTP_STATUS.match(text)
    code = f"{reply_code} {found.group('status')}" if found else str(reply_code)
    said = " ".join(text[found.end():].split()) if found else " ".join(text.split())
    meaning = _by_phrase(text) or SMTP_CODES.get(reply_code)
    if meaning is None and 400 <= reply_code < 500:
        meaning = TRY_LATER
    return Refusal(said, code, meaning)


def explain_plain(text: str, address: str = ADDRESS) -> str | None:
    """A client-side message (no server reply) that a known phrase explains, else None."""
    meaning = _by_phrase(text)
    if meaning is None:
        return None
    return f"{meaning.words} ({text.strip()}). Try: {meaning.advice.format(address=address)}"


def _by_phrase(text: str) -> Meaning | None:
    return next((meaning for pattern, meaning in PHRASES if pattern.search(text)), None)
