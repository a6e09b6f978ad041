"""The engine's halting hook: ask the inbox watcher for a fresh look before a follow-up."""

from __future__ import annotations

from typing import Protocol


class InboxCheck(Protocol):
    """Implemented by the watcher: one cheap round trip for new mail in a mailbox, whose
    effects (reply → enrollment replied …) are committed before it returns."""

    async def recheck(self, mailbox_id: int) -> None: ...


class NoInboxCheck:
    """No watcher attached: follow-ups go out on the queue's word alone."""

    async def recheck(self, mailbox_id: int) -> None:
        return None
