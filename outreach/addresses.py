"""E-mail address handling shared by mailboxes, prospects and suppressions."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from outreach.errors import ConfigError
from outreach.i18n import N_, _

#: The words callers pass as ``what`` (translated where the error is made).
WHAT = (N_("address"), N_("mailbox"), N_("name"), N_("display name"),
        N_("--name (display name)"))

SMTPUTF8_HINT = N_(
    "an address with non-ASCII characters before the @ can only be sent to through a server "
    "that offers SMTPUTF8 (`outreach mailbox test` shows whether yours does)"
)


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
            _("{what} {address!r} is not a valid e-mail address: {reason}").format(
                what=_(what), address=address, reason=exc) + hint
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
        raise ConfigError(_("address {address!r}: the domain cannot be sent to: {reason}")
                          .format(address=address, reason=exc)) from None
    return f"{local}@{ascii_domain}"


def check_header_text(value: str, what: str) -> str:
    """``value`` for a one-line header (a display name): CR, LF and other controls refused."""
    bad = next((c for c in value if ord(c) < 32 or ord(c) == 127 or c in "\u2028\u2029"), None)
    if bad is not None:
        raise ConfigError(
            _("{what} {value!r} contains a control character ({bad!r}); it goes into the "
              "From/To header, which is one line").format(what=_(what), value=value, bad=bad),
            hint=_("remove the line break or control character"),
        )
    return value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()
