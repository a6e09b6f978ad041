"""Free e-mail domains (``outreach/data/freemail_domains.txt``): no company behind them."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def freemail_domains() -> frozenset[str]:
    """The shipped list, lower-cased; ``#`` starts a comment."""
    text = resources.files("outreach").joinpath("data/freemail_domains.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


def is_freemail(domain: str | None) -> bool:
    """True for a free-mail provider's domain (or no domain at all)."""
    return not domain or domain.lower() in freemail_domains()


def company_domain(domain: str | None) -> str | None:
    """``domain`` when it stands for a company, None for free-mail providers."""
    return None if is_freemail(domain) else (domain or "").lower()
