"""Names the command palette offers actions for: campaigns, mailboxes, sequence files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from outreach.store.models import Campaign, Mailbox
from outreach.views.sequences import sequence_files


@dataclass(frozen=True)
class PaletteNames:
    campaigns: tuple[tuple[str, str], ...]
    """(name, state)"""
    mailboxes: tuple[tuple[str, bool], ...]
    """(address, paused)"""
    sequences: tuple[Path, ...]


def palette_names(db: Engine, sequences_dir: Path) -> PaletteNames:
    """Every campaign and mailbox; the sequence files of the current folder, then of
    ``sequences_dir`` (as the Sequences screen lists them)."""
    with Session(db) as session:
        campaigns = session.exec(
            select(Campaign.name, Campaign.state).order_by(col(Campaign.name))
        ).all()
        mailboxes = session.exec(
            select(Mailbox.email, Mailbox.paused).order_by(col(Mailbox.email))
        ).all()
    files = sequence_files([Path.cwd(), sequences_dir])
    return PaletteNames(tuple(campaigns), tuple(mailboxes), files)
