"""A doctor finding: one line ✓ / ⚠ / ✗ with what was seen and, when not ✓, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from outreach.i18n import N_, _

Status = Literal["ok", "warn", "fail"]
MARKS: dict[str, str] = {"ok": "✓", "warn": "⚠", "fail": "✗"}


@dataclass(frozen=True)
class Finding:
    """One check of one mailbox."""

    check: str
    """What was checked, e.g. ``SPF`` or ``SMTP AUTH``."""
    status: Status
    detail: str
    """What was seen (the record, the server's words)."""
    fix: str = ""
    """One sentence saying what to do; empty when all is well."""

    @property
    def mark(self) -> str:
        return MARKS[self.status]

    @property
    def title(self) -> str:
        """``check`` as the rep reads it (``check`` itself stays English for ``--json``)."""
        return check_title(self.check)

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "detail": self.detail,
                "fix": self.fix or None}


#: Check names that are words (protocol names such as ``SPF`` or ``SMTP AUTH`` are not
#: translated); ``Finding.check`` keeps the English name.
CHECK_TITLES: dict[str, str] = {
    "Secret": N_("Password"),
    "From address": N_("From address"),
    "Sending domain": N_("Sending domain"),
    "Daily cap": N_("Daily cap"),
    "Sign-in": N_("Sign-in"),
    "MX": N_("MX"),
}
_STEP_WORDS: dict[str, str] = {
    "connect": N_("connect"),
    "Sent folder": N_("Sent folder"),
    "TLS certificate": N_("TLS certificate"),
}


def check_title(check: str) -> str:
    """A check's name in the rep's language: ``SMTP connect`` → ``SMTP Verbindung``."""
    if check in CHECK_TITLES:
        return _(CHECK_TITLES[check])
    protocol, _space, rest = check.partition(" ")
    for word, label in _STEP_WORDS.items():
        if rest.startswith(word):
            return f"{protocol} {_(label)}{rest[len(word):]}"
    return check


def ok(check: str, detail: str) -> Finding:
    return Finding(check, "ok", detail)


def warn(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, "warn", detail, fix)


def fail(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, "fail", detail, fix)


@dataclass(frozen=True)
class Diagnosis:
    """Every finding for one mailbox."""

    mailbox: str
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox, "ok": not self.failed,
                "findings": [f.as_dict() for f in self.findings]}
