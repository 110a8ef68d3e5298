"""Leader election on a real Lease: one leader at a time, release hands over at once,
expiry hands over after the lease duration, and a conflicting write loses cleanly."""

from __future__ import annotations

import asyncio

import pytest
from tests.helpers import eventually

from tether.cluster.client import KubeClient
from tether.controller.leader import LEASE_API, LeaderElector

pytestmark = pytest.mark.cluster


def _candidate(kube: KubeClient, namespace: str, identity: str) -> LeaderElector:
    return LeaderElector(kube, namespace=namespace, name="tether-leader", identity=identity,
                         lease_duration=2, renew_deadline=1.5, retry_period=0.2)


async def test_only_one_leader_and_release_hands_over(kube: KubeClient, namespace: str) -> None:
    a, b = _candidate(kube, namespace, "a"), _candidate(kube, namespace, "b")
    results = await asyncio.gather(a.try_acquire_or_renew(), b.try_acquire_or_renew())
    assert sorted(results) == [False, True]
    leader, other = (a, b) if results[0] else (b, a)
    assert await leader.try_acquire_or_renew()
    assert not await other.try_acquire_or_renew()
    await leader.release()
    assert await other.try_acquire_or_renew()
    lease = await kube.get(LEASE_API, "Lease", "tether-leader", namespace)
    assert lease["spec"]["holderIdentity"] == other.identity
    assert lease["spec"]["leaseTransitions"] >= 1


async def test_expired_lease_is_taken_over(kube: KubeClient, namespace: str) -> None:
    a, b = _candidate(kube, namespace, "a"), _candidate(kube, namespace, "b")
    assert await a.try_acquire_or_renew()
    assert not await b.try_acquire_or_renew()  # b starts observing a's record now

    async def b_leads() -> bool | None:
        return await b.try_acquire_or_renew() or None

    await eventually(b_leads, timeout=10, interval=0.3, what="b to take the expired lease")


async def test_lead_runs_work_and_releases_on_stop(kube: KubeClient, namespace: str) -> None:
    a = _candidate(kube, namespace, "a")
    stop = asyncio.Event()
    ran = asyncio.Event()

    async def work(done: asyncio.Event) -> None:
        ran.set()
        await done.wait()

    task = asyncio.create_task(a.lead(work, stop))
    await asyncio.wait_for(ran.wait(), 10)
    stop.set()
    assert await asyncio.wait_for(task, 10) is True
    lease = await kube.get(LEASE_API, "Lease", "tether-leader", namespace)
    assert not lease["spec"].get("holderIdentity")
