"""One load at a time per key: whoever asks while it runs waits for it and shares its answer.

For what many requests may need at the same moment when a cache has nothing for them (the threat level after its
cache expires, a busy token's principal after its cache entry lapses): without it each would load it again, and
under load that is hundreds of identical queries at once, each holding a database session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Once(Generic[K, V]):
    """Loads by key, one at a time per key and event loop; callers asking meanwhile share the running load."""

    def __init__(self) -> None:
        self._running: dict[tuple[int, K], asyncio.Task[V]] = {}

    async def __call__(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The answer of `load()` for `key`: of the load under way for it, or of one started now."""
        loop = asyncio.get_running_loop()
        slot = (id(loop), key)
        running = self._running.get(slot)
        if running is None:  # a task of its own: a caller that goes away does not cancel the others' answer
            running = self._running[slot] = loop.create_task(_awaited(load))
            running.add_done_callback(lambda done: self._forget(slot, done))
        return await asyncio.shield(running)

    def _forget(self, slot: tuple[int, K], done: asyncio.Task[V]) -> None:
        if self._running.get(slot) is done:
            del self._running[slot]
        if not done.cancelled():
            done.exception()  # retrieved: every caller may have gone, and its error is theirs, not the loop's


async def _awaited(load: Callable[[], Awaitable[V]]) -> V:
    return await load()
