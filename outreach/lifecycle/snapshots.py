"""Campaign sequences by snapshot hash: parsed once, kept in a bounded cache."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from sqlalchemy import Connection, select

from outreach.sequences import Sequence, from_snapshot
from outreach.store.models import Campaign
from outreach.store.repository import CAMPAIGN

CACHE_SIZE = 256
"""Distinct sequence versions kept parsed (a campaign update makes a new one)."""

_parsed: OrderedDict[str, Sequence] = OrderedDict()
_lock = Lock()


def _remember(digest: str, sequence: Sequence) -> Sequence:
    with _lock:
        _parsed[digest] = sequence
        _parsed.move_to_end(digest)
        while len(_parsed) > CACHE_SIZE:
            _parsed.popitem(last=False)
    return sequence


def _cached(digest: str) -> Sequence | None:
    with _lock:
        found = _parsed.get(digest)
        if found is not None:
            _parsed.move_to_end(digest)
        return found


def campaign_sequence(campaign: Campaign) -> Sequence:
    """The sequence snapshot the campaign was started with."""
    return _cached(campaign.sequence_hash) or _remember(
        campaign.sequence_hash, from_snapshot(campaign.sequence)
    )


def sequence_for(conn: Connection, campaign_id: int, digest: str) -> Sequence:
    """A campaign's sequence by its hash, loading the snapshot only when not cached."""
    found = _cached(digest)
    if found is not None:
        return found
    query = select(CAMPAIGN.c.sequence).where(CAMPAIGN.c.id == campaign_id)
    return _remember(digest, from_snapshot(conn.execute(query).scalar_one()))
