"""An asyncio event loop running in its own daemon thread.

Synchronous code calls :meth:`LoopThread.run`; code on another event loop awaits
:meth:`LoopThread.run_async`. Both execute the coroutine on this loop, which is how the
CLI, imapclient and the engine's loop can all share one sandbox.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")

#: Rounds of cancel-and-wait at shutdown; connection handlers may spawn helper tasks.
_SHUTDOWN_ROUNDS = 5


class LoopThread:
    """Owns a fresh event loop and the thread that runs it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread; returns at once (the loop accepts work immediately)."""
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and block until its result (for synchronous callers)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopThread.run() called from its own loop; await instead")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and await it from another event loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        """Cancel every remaining task, stop the loop, join the thread and close the loop."""
        if self._thread.is_alive():
            self.run(_cancel_remaining_tasks())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        self.loop.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())


async def _cancel_remaining_tasks() -> None:
    current = asyncio.current_task()
    for _ in range(_SHUTDOWN_ROUNDS):
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        if not tasks:
            break
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # Let transports closed by the cancelled handlers run their connection_lost callbacks.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
