"""Work queue semantics: de-duplication, one worker per key, backoff, delayed adds."""

from __future__ import annotations

import asyncio

import pytest

from tether.controller import queue


async def test_duplicates_collapse_and_order_is_fifo() -> None:
    q = queue.WorkQueue()
    for key in ("a", "b", "a", "c", "b"):
        q.add(key)
    assert len(q) == 3
    assert [await q.get() for _ in range(3)] == ["a", "b", "c"]


async def test_key_added_while_processing_is_requeued_on_done() -> None:
    q = queue.WorkQueue()
    q.add("a")
    key = await q.get()
    q.add("a")  # an event arrives mid-reconcile
    assert len(q) == 0 and q.processing == {"a"}
    q.done(key)
    assert len(q) == 1
    assert await q.get() == "a"


async def test_a_key_is_never_processed_twice_at_once() -> None:
    q = queue.WorkQueue()
    running: set[str] = set()
    overlaps = 0
    processed = 0

    async def worker() -> None:
        nonlocal overlaps, processed
        while True:
            try:
                key = await q.get()
            except queue.QueueShutDown:
                return
            overlaps += key in running
            running.add(key)
            await asyncio.sleep(0.001)
            running.discard(key)
            processed += 1
            q.done(key)

    workers = [asyncio.create_task(worker()) for _ in range(4)]
    for i in range(200):
        q.add(f"k{i % 3}")
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    await q.shutdown()
    await asyncio.gather(*workers)
    assert overlaps == 0
    assert processed >= 3


async def test_backoff_doubles_and_is_capped_and_forgotten() -> None:
    q = queue.WorkQueue(base_delay=0.75, max_delay=5)
    delays = [q.backoff("a") for _ in range(5)]
    assert delays == [0.75, 1.5, 3.0, 5, 5]
    assert q.failures("a") == 5
    q.forget("a")
    assert q.backoff("a") == 0.75


async def test_add_after_fires_and_latest_plan_wins() -> None:
    q = queue.WorkQueue()
    q.add_after("a", 10)
    q.add_after("a", 0.02)
    scheduled = q.scheduled("a")
    assert scheduled is not None and scheduled <= 0.02
    assert await asyncio.wait_for(q.get(), 1) == "a"
    q.add_after("b", 0.01)
    q.cancel("b")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(q.get(), 0.05)


async def test_shutdown_wakes_waiters() -> None:
    q = queue.WorkQueue()
    waiter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    await q.shutdown()
    with pytest.raises(queue.QueueShutDown):
        await waiter
    q.add("ignored")
    assert len(q) == 0
