"""The inbox watcher: replies, auto-replies, unsubscribes and bounces halt follow-ups.

:class:`Watcher` watches every mailbox over IMAP (IDLE where possible, polling else) and
is the engine's pre-send :class:`~outreach.engine.hooks.InboxCheck`. The pure parts:
:mod:`~outreach.watcher.screening` (which messages to download),
:mod:`~outreach.watcher.matching` (which enrollment a message is about) and
:mod:`outreach.lifecycle.rules` (what it does, in the lifecycle core).
"""

from outreach.watcher.config import WatcherConfig
from outreach.watcher.service import Watcher

__all__ = ["Watcher", "WatcherConfig"]
