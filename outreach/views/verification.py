"""What an address check found, in the words ``campaign start`` prints (CLI and TUI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outreach.deliverability.verify import VerifySummary


def verification_lines(summary: VerifySummary) -> list[str]:
    """The counts, then every invalid or unknown address with why (unknown ones are sent)."""
    counts = summary.as_dict()
    lines = [
        f"verified {counts['checked']} address(es): {counts['valid']} valid, "
        f"{counts['risky']} risky (sent), {counts['invalid']} invalid (not sent), "
        f"{counts['unknown']} unknown (DNS could not tell; sent)"
    ]
    for verdict in summary.verdicts:
        if verdict.status in ("invalid", "unknown"):
            lines.append(f"  {verdict.status:<8} {verdict.email}: {verdict.reason}")
    return lines
