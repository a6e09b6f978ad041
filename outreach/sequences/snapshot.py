"""Snapshots: the JSON-able form a campaign stores of the sequence it was started with.

A snapshot is the canonical sequence document (see ``convert.sequence_document``), so it is
valid sequence YAML/JSON itself and loading it runs the same validation as a file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .convert import sequence_document
from .loader import load_sequence_data
from .model import Sequence


def to_snapshot(sequence: Sequence) -> dict[str, Any]:
    """A JSON-able dict that ``from_snapshot`` turns back into an equal ``Sequence``."""
    return sequence_document(sequence)


def from_snapshot(snapshot: dict[str, Any]) -> Sequence:
    """The ``Sequence`` of a snapshot; raises ``ValidationFailed`` if it is not valid."""
    return load_sequence_data(snapshot, "<snapshot>")


def sequence_hash(sequence: Sequence) -> str:
    """SHA-256 (hex) of the canonical snapshot: equal sequences, equal hashes."""
    canonical = json.dumps(to_snapshot(sequence), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
