"""Which folder is Sent, which is Junk: SPECIAL-USE flags first, then the usual names.

RFC 6154 flags are case-insensitive (Cyrus lists ``\\sent`` on "Gesendete Objekte"); a
server without SPECIAL-USE is matched by the names clients give these folders in the
common mail languages, as the full name or its last level ("INBOX.Sent"). A folder that
cannot be selected (``\\Noselect``, ``\\NonExistent``) is never chosen. Nothing found is
``None``: a caller never guesses a name the server does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from outreach.i18n import _

SENT_NAMES = (
    "Sent", "Sent Items", "Sent Messages", "Sent Mail", "Sent Mail Items", "[Gmail]/Sent Mail",
    "Gesendete Objekte", "Gesendete Elemente", "Gesendete Nachrichten", "Gesendet",
    "Éléments envoyés", "Messages envoyés", "Envoyés", "Elementos enviados", "Enviados",
    "Posta inviata", "Inviati", "Verzonden items", "Verzonden", "Skickat", "Skickade objekt",
    "Sendt", "Sendte elementer", "Wysłane", "Odeslaná pošta", "Отправленные",
)  # fmt: skip
JUNK_NAMES = (
    "Junk", "Spam", "Junk E-Mail", "Junk-E-Mail", "Junk Email", "Junk Mail", "Bulk Mail",
    "[Gmail]/Spam", "Spamverdacht", "Courrier indésirable", "Indésirables",
    "Correo no deseado", "Posta indesiderata", "Ongewenste e-mail", "Skräppost", "Spam-post",
    "Nevyžádaná pošta", "Спам",
)  # fmt: skip
_UNUSABLE = frozenset({"\\noselect", "\\nonexistent"})

Listing = Iterable[tuple[Sequence[bytes | str], bytes | str | None, str]]
"""``LIST`` rows as imapclient gives them: (flags, delimiter, name)."""


def pick_folder(listing: Listing, flag: str, names: Sequence[str]) -> tuple[str, str] | None:
    """``(folder, how it was found)`` for the ``flag`` (``\\Sent``) folder, or None."""
    rows = [(_flags(flags), _text(delimiter), str(name)) for flags, delimiter, name in listing]
    usable = [(flags, delimiter, name) for flags, delimiter, name in rows if not flags & _UNUSABLE]
    wanted = flag.lower()
    for flags, _delimiter, name in usable:
        if wanted in flags:
            return name, _("flagged {flag} (SPECIAL-USE)").format(flag=flag)
    by_name = {name.lower(): name for _f, _d, name in usable}
    by_leaf = {_leaf(name, d).lower(): name for _f, d, name in usable}
    for candidate in names:
        found = by_name.get(candidate.lower()) or by_leaf.get(candidate.lower())
        if found is not None:
            return found, _("named {name} (no folder is flagged {flag})").format(
                name=repr(found), flag=flag)
    return None


def not_found(flag: str, names: Sequence[str]) -> str:
    """What was looked for, in words (for ``mailbox test`` and the health warning)."""
    shown = ", ".join(repr(name) for name in names[:8])
    return _("no folder is flagged {flag} (SPECIAL-USE) and none is named {names}, …").format(
        flag=flag, names=shown)


def _flags(flags: Sequence[bytes | str]) -> frozenset[str]:
    return frozenset(_text(flag).lower() for flag in flags)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def _leaf(name: str, delimiter: str) -> str:
    return name.rsplit(delimiter, 1)[-1] if delimiter else name
