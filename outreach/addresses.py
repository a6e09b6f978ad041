"""E-mail address handling shared by mailboxes, prospects and suppressions."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from outreach.errors import ConfigError


def normalize_address(address: str, *, what: str = "address") -> str:
    """A syntactically valid, lower-cased address; raises :class:`ConfigError` otherwise.

    No DNS here (that is prospect verification's job). The reserved ``.test`` TLD is
    accepted so that sandboxes and test stacks work like real domains.
    """
    try:
        result = validate_email(address.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ConfigError(f"{what} {address!r} is not a valid e-mail address: {exc}") from None
    return result.normalized.lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()
