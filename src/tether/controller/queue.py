"""A keyed work queue with de-duplication, per-key exponential backoff and delayed adds.

Design (client-go's workqueue, in asyncio): a key is either *queued* (at most once), or
*processing* (by exactly one worker), or idle. Adding a key that is already queued is a
no-op; adding one that is being processed marks it *dirty* so it is queued again when the
worker calls :meth:`done` — so a key is never reconciled twice at once and no event is lost.
Delayed adds (:meth:`add_after`) keep one timer per key; the latest decision replaces the
previous one (a reconcile's requeue-after supersedes older plans). Backoff doubles per
consecutive failure from ``base_delay`` to ``max_delay`` (Flux: 750ms → 15m) and is reset
by :meth:`forget`.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable

__all__ = ["QueueShutDown", "WorkQueue"]


class QueueShutDown(Exception):
    """Raised by :meth:`WorkQueue.get` once the queue is shut down."""


class WorkQueue:
    """De-duplicating FIFO of string keys shared by a controller's workers."""

    def __init__(
        self,
        *,
        base_delay: float = 0.75,
        max_delay: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._queue: collections.deque[str] = collections.deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._failures: dict[str, int] = {}
        self._timers: dict[str, tuple[float, asyncio.TimerHandle]] = {}
        self._wakeup = asyncio.Condition()
        self._shutdown = False

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def processing(self) -> frozenset[str]:
        """Keys currently held by a worker."""
        return frozenset(self._processing)

    def add(self, key: str) -> None:
        """Queue ``key`` now (no-op if queued; deferred until done() if processing)."""
        if self._shutdown:
            return
        if key in self._processing:
            self._dirty.add(key)
            return
        if key in self._queued:
            return
        self._queued.add(key)
        self._queue.append(key)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._wakeup:
            self._wakeup.notify()

    def add_after(self, key: str, delay: float) -> None:
        """Queue ``key`` after ``delay`` seconds, replacing any earlier plan for it."""
        if self._shutdown:
            return
        if delay <= 0:
            self.add(key)
            return
        old = self._timers.pop(key, None)
        if old is not None:
            old[1].cancel()
        loop = asyncio.get_running_loop()
        handle = loop.call_later(delay, self._fire, key)
        self._timers[key] = (self._clock() + delay, handle)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def scheduled(self, key: str) -> float | None:
        """Seconds until ``key``'s delayed add fires, or None."""
        entry = self._timers.get(key)
        return None if entry is None else max(0.0, entry[0] - self._clock())

    def backoff(self, key: str) -> float:
        """Record a failure of ``key``; return the delay before its next attempt."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        return float(min(self.max_delay, self.base_delay * (2 ** failures)))

    def failures(self, key: str) -> int:
        """Consecutive failures recorded for ``key``."""
        return self._failures.get(key, 0)

    def forget(self, key: str) -> None:
        """Reset ``key``'s backoff (after a success)."""
        self._failures.pop(key, None)

    def cancel(self, key: str) -> None:
        """Drop any delayed add and backoff state of ``key`` (the object is gone)."""
        entry = self._timers.pop(key, None)
        if entry is not None:
            entry[1].cancel()
        self._failures.pop(key, None)

    async def get(self) -> str:
        """Wait for a key and mark it processing; QueueShutDown when shut down."""
        async with self._wakeup:
            while not self._queue:
                if self._shutdown:
                    raise QueueShutDown
                await self._wakeup.wait()
            key = self._queue.popleft()
        self._queued.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str) -> None:
        """The worker finished ``key``; requeue it if it was added meanwhile."""
        self._processing.discard(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

    async def shutdown(self) -> None:
        """Stop handing out keys; wake every waiting worker."""
        self._shutdown = True
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        async with self._wakeup:
            self._wakeup.notify_all()
