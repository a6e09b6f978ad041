"""A doctor finding: one line ✓ / ⚠ / ✗ with what was seen and, when not ✓, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "detail": self.detail,
                "fix": self.fix or None}


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
