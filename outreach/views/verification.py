"""What an address check found, in the words ``campaign start`` prints (CLI and TUI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outreach import wording
from outreach.i18n import _

if TYPE_CHECKING:
    from outreach.deliverability.verify import VerifySummary


def verification_lines(summary: VerifySummary) -> list[str]:
    """The counts, then every invalid or unknown address with why (unknown ones are sent)."""
    counts = summary.as_dict()
    lines = [
        _("verified {count} address(es): {valid} valid, {risky} risky (sent), {invalid} "
          "invalid (not sent), {unknown} unknown (DNS could not tell; sent)").format(
            count=counts["checked"], valid=counts["valid"], risky=counts["risky"],
            invalid=counts["invalid"], unknown=counts["unknown"])
    ]
    for verdict in summary.verdicts:
        if verdict.status in ("invalid", "unknown"):
            lines.append(f"  {wording.verdict(verdict.status):<8} {verdict.email}: "
                         f"{wording.reason(verdict.reason)}")
    return lines
