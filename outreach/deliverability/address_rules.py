"""What an address alone says (pure, no DNS): syntax, role account, disposable, free-mail."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from disposable_email_domains import blocklist as disposable_blocklist
from email_validator import EmailNotValidError, validate_email

from outreach.prospects.freemail import is_freemail

_SUFFIX = re.compile(r"[+\-_.].*$")


@dataclass(frozen=True)
class AddressFacts:
    """The offline facts about one address."""

    email: str
    domain: str
    syntax_error: str | None = None
    role: bool = False
    disposable: bool = False
    freemail: bool = False


@functools.cache
def role_accounts() -> frozenset[str]:
    """Shipped role local parts (``outreach/data/role_accounts.txt``)."""
    text = resources.files("outreach").joinpath("data/role_accounts.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


def is_role(local: str) -> bool:
    """``info@``, ``sales+de@``, ``support-team@`` … (the part before a separator counts)."""
    local = local.lower()
    return local in role_accounts() or _SUFFIX.sub("", local) in role_accounts()


def is_disposable(domain: str) -> bool:
    """A throwaway-inbox provider (the maintained ``disposable-email-domains`` list)."""
    return domain.lower() in disposable_blocklist


def address_facts(address: str) -> AddressFacts:
    """Syntax (email-validator, no DNS) and the role/disposable/free-mail flags."""
    try:
        valid = validate_email(address.strip(), check_deliverability=False,
                               test_environment=True)
    except EmailNotValidError as exc:
        domain = address.rpartition("@")[2].lower()
        return AddressFacts(address, domain, syntax_error=str(exc))
    domain = valid.ascii_domain.lower()
    return AddressFacts(valid.normalized.lower(), domain, role=is_role(valid.local_part),
                        disposable=is_disposable(domain), freemail=is_freemail(domain))
