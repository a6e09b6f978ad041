"""E-mail address handling shared by mailboxes, prospects and suppressions."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from email_validator.syntax import validate_email_local_part

from outreach.errors import ConfigError
from outreach.i18n import N_, SOURCE, _, current

SMTPUTF8_HINT = N_(
    "an address with non-ASCII characters before the @ can only be sent to through a server "
    "that offers SMTPUTF8 (`outreach mailbox test` shows whether yours does)"
)
#: What callers call the value checked (``what=``), translated where it is shown.
WHAT = (N_("address"), N_("mailbox"), N_("name"), N_("display name"), N_("sender name"),
        N_("prospect name"), N_("--name (display name)"))
#: email_validator's reasons (English only), by how they start → ours.
_INVALID = (
    ("An email address must have an @-sign", N_("it has no @")),
    ("There must be something before the @-sign", N_("nothing comes before the @")),
    ("The part after the @-sign is not valid. It should have a period",
     N_("the domain after the @ has no dot")),
    ("The part after the @-sign contains invalid characters",
     N_("the domain after the @ contains characters not allowed there")),
    ("The email address contains invalid characters before the @-sign",
     N_("the part before the @ contains characters not allowed there")),
    ("Internationalized characters before the @-sign are not supported",
     N_("the part before the @ has non-ASCII characters")),
    ("An email address cannot have two periods in a row", N_("it has two dots in a row")),
    ("An email address cannot have a hyphen immediately after the @-sign",
     N_("a hyphen follows the @")),
    ("An email address cannot have a period immediately before the @-sign",
     N_("a dot comes right before the @")),
    ("An email address cannot start with a period", N_("it starts with a dot")),
    ("The part after the @-sign is a special-use or reserved name",
     N_("the domain is reserved and cannot receive mail")),
    ("The email address is too long", N_("it is too long")),
)


def _why_invalid(exc: EmailNotValidError) -> str:
    """email_validator's reason; in German our words for the usual ones."""
    text = str(exc)
    if current() != SOURCE:
        for start, ours in _INVALID:
            if text.startswith(start):
                return _(ours)
    return text


def normalize_address(address: str, *, what: str = "address", smtputf8: bool = True) -> str:
    """A syntactically valid, lower-cased address; raises :class:`ConfigError` otherwise.

    No DNS here (that is prospect verification's job). The reserved ``.test`` TLD is
    accepted so that sandboxes and test stacks work like real domains. An internationalized
    domain is kept in its Unicode form (an A-label ``xn--…`` input is turned into it), so
    both spellings are one address; :func:`wire_address` gives the form sent. With
    ``smtputf8`` False, a non-ASCII local part is refused (it needs SMTPUTF8 to be sent).
    """
    try:
        result = validate_email(
            address.strip(),
            check_deliverability=False,
            test_environment=True,
            allow_smtputf8=smtputf8,
        )
    except EmailNotValidError as exc:
        hint = f" ({_(SMTPUTF8_HINT)})" if "before the @-sign" in str(exc) else ""
        raise ConfigError(
            _("{what} {address} is not a valid e-mail address: {why}").format(
                what=_(what), address=repr(address), why=_why_invalid(exc)) + hint
        ) from None
    return result.normalized.lower()


def needs_smtputf8(address: str) -> bool:
    """Whether the local part (before the @) is not ASCII: only SMTPUTF8 servers take it."""
    return not address.rpartition("@")[0].isascii()


def wire_address(address: str) -> str:
    """The address as it goes on the wire: an internationalized domain as IDNA A-labels
    (``bücher.de`` → ``xn--bcher-kva.de``); the local part as it is."""
    local, _at, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        ascii_domain = validate_email(
            f"x@{domain}", check_deliverability=False, test_environment=True
        ).ascii_domain
    except EmailNotValidError as exc:
        raise ConfigError(_("address {address}: the domain cannot be sent to: {why}").format(
            address=repr(address), why=_why_invalid(exc))) from None
    return f"{local}@{ascii_domain}"


def check_header_text(value: str, what: str) -> str:
    """``value`` for a one-line header (a display name): CR, LF and other controls refused."""
    bad = next((c for c in value if ord(c) < 32 or ord(c) == 127 or c in "\u2028\u2029"), None)
    if bad is not None:
        raise ConfigError(
            _("{what} {value} contains a control character ({char}); it goes into the From/To "
              "header, which is one line").format(what=_(what), value=repr(value), char=repr(bad)),
            hint=_("remove the line break or control character"),
        )
    return value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def plus_address(email: str, folder: str) -> str | None:
    """``local+folder@domain``: mail to it is filed in ``folder`` by servers that deliver
    sub-addresses to the folder named (Dovecot's ``lmtp_save_to_detail_mailbox``, Sieve).

    None when the folder's name cannot stand in an address: a space ("Sent Items",
    "Gesendete Objekte"), a quote or a non-ASCII letter would need a quoted or SMTPUTF8
    address, which no server files by (and aiosmtplib refuses to send to).
    """
    local, _, domain = email.rpartition("@")
    try:
        validate_email_local_part(f"{local}+{folder}", allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return f"{local}+{folder}@{domain}"
