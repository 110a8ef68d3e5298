"""Leader election on a real Lease: one leader, takeover on release and on expiry."""

from __future__ import annotations

import asyncio
import time

import pytest

from tether.cluster import client
from tether.controller import leader

pytestmark = pytest.mark.cluster


def _elector(kube: client.KubeClient, namespace: str, identity: str) -> leader.LeaderElector:
    return leader.LeaderElector(kube, namespace=namespace, name="lease", identity=identity,
                                lease_duration=2, renew_deadline=1.5, retry_period=0.2)


async def test_one_leader_then_takeover_on_release_and_expiry(
    kube: client.KubeClient, namespace: str
) -> None:
    a, b, c = (_elector(kube, namespace, i) for i in ("a", "b", "c"))
    await asyncio.wait_for(a.acquire(), 10)
    holding = asyncio.create_task(a.hold())
    waiting = asyncio.create_task(b.acquire())
    await asyncio.sleep(3)  # longer than the lease: a keeps renewing, b must not win
    assert not waiting.done() and not b.is_leader
    holding.cancel()
    await asyncio.gather(holding, return_exceptions=True)
    started = time.monotonic()
    await a.release()
    await asyncio.wait_for(waiting, 5)
    assert b.is_leader and time.monotonic() - started < 1.5  # released: no expiry wait
    lease = await kube.get(leader.API, "Lease", "lease", namespace)
    assert lease["spec"]["holderIdentity"] == "b"
    assert lease["spec"]["leaseTransitions"] >= 1
    # b dies without releasing: c takes over only after the lease duration.
    started = time.monotonic()
    await asyncio.wait_for(c.acquire(), 10)
    assert time.monotonic() - started >= 2
    assert not await b.try_acquire_or_renew()  # b cannot silently come back
