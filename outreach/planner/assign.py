"""Inbox rotation: give each new prospect one mailbox for its whole thread (sticky).

Balanced by remaining capacity: a prospect goes to the mailbox whose load per unit of
daily capacity is lowest after taking it, so a mailbox with twice the cap gets about
twice the prospects, and mailboxes already busy with other campaigns get fewer.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence


def assign_mailboxes(
    prospects: Sequence[Hashable],
    capacity: Mapping[str, int],
    current_load: Mapping[str, int] | None = None,
) -> dict[Hashable, str]:
    """Map each prospect to a mailbox key; ties go to the mailbox listed first."""
    if not capacity:
        raise ValueError("at least one mailbox is needed")
    load = dict(current_load or {})
    heap = [
        ((load.get(box, 0) + 1) / max(cap, 1), order, box)
        for order, (box, cap) in enumerate(capacity.items())
    ]
    heapq.heapify(heap)
    result: dict[Hashable, str] = {}
    for prospect in prospects:
        _, order, box = heapq.heappop(heap)
        result[prospect] = box
        load[box] = load.get(box, 0) + 1
        heapq.heappush(heap, ((load[box] + 1) / max(capacity[box], 1), order, box))
    return result
