"""Leader election on a ``coordination.k8s.io/v1`` Lease, so two replicas never both act.

Design (client-go ``leaderelection``, Flux's defaults 35s lease / 30s renew deadline / 5s
retry): a candidate takes the Lease when it does not exist, is held by nobody, or has not been
renewed for ``lease_duration`` *as observed on our own monotonic clock* (never by comparing
wall clocks across machines); writes use the Lease's ``resourceVersion``, so when two
candidates race exactly one wins and the other sees a conflict. The leader renews every
``retry_period``; if it cannot renew for ``renew_deadline`` it gives up leadership (the
``lost`` event fires and the process must stop acting). On a clean exit the Lease is released
(holder cleared) so a successor takes over immediately instead of waiting for expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from tether import errors
from tether.cluster.client import KubeClient, Obj

__all__ = ["LEASE_API", "LeaderElector"]

LEASE_API = "coordination.k8s.io/v1"
log = structlog.get_logger("tether.leader")


def _micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """One candidate for the Lease ``namespace/name``."""

    def __init__(
        self,
        kube: KubeClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float = 35.0,
        renew_deadline: float = 30.0,
        retry_period: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kube = kube
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self._clock = clock
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self.is_leader = False

    def _spec(self, old: Obj | None) -> dict[str, Any]:
        now = _micro_now()
        spec = dict((old or {}).get("spec") or {})
        transitions = int(spec.get("leaseTransitions") or 0)
        if spec.get("holderIdentity") != self.identity:
            spec["acquireTime"] = now
            if old is not None:
                transitions += 1
        spec.update(holderIdentity=self.identity,
                    leaseDurationSeconds=max(1, round(self.lease_duration)),
                    renewTime=now, leaseTransitions=transitions)
        return spec

    def _held_by_other(self, lease: Obj) -> bool:
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        record = (holder, spec.get("renewTime"), spec.get("leaseDurationSeconds"))
        if record != self._observed:
            self._observed, self._observed_at = record, self._clock()
        if not holder or holder == self.identity:
            return False
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        return self._observed_at + duration > self._clock()

    async def try_acquire_or_renew(self) -> bool:
        """One attempt; True when we hold the Lease afterwards."""
        try:
            lease = await self._kube.get_or_none(LEASE_API, "Lease", self.name, self.namespace)
            if lease is None:
                await self._kube.create({
                    "apiVersion": LEASE_API, "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": self._spec(None)})
            elif self._held_by_other(lease):
                return False
            else:
                await self._kube.replace({**lease, "spec": self._spec(lease)})
        except errors.ClusterError as exc:  # conflicts and outages: not leader this round
            log.debug("lease attempt failed", lease=self.name, error=exc.one_line())
            return False
        return True

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Retry until we lead (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            if await self.try_acquire_or_renew():
                self.is_leader = True
                log.info("became leader", lease=f"{self.namespace}/{self.name}",
                         identity=self.identity)
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.retry_period)
        return False

    async def hold(self, stop: asyncio.Event) -> None:
        """Renew until ``stop`` is set or renewal fails for ``renew_deadline`` (lost)."""
        last_renew = self._clock()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.retry_period)
            if stop.is_set():
                return
            if await self.try_acquire_or_renew():
                last_renew = self._clock()
            elif self._clock() - last_renew >= self.renew_deadline:
                self.is_leader = False
                log.warning("leadership lost", lease=f"{self.namespace}/{self.name}")
                return

    async def release(self) -> None:
        """Give the Lease up (only if we still hold it)."""
        self.is_leader = False
        with contextlib.suppress(errors.ClusterError):
            lease = await self._kube.get_or_none(LEASE_API, "Lease", self.name, self.namespace)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                spec = {**lease["spec"], "holderIdentity": None, "leaseDurationSeconds": 1,
                        "renewTime": _micro_now()}
                await self._kube.replace({**lease, "spec": spec})

    async def lead(self, work: Callable[[asyncio.Event], Awaitable[None]],
                   stop: asyncio.Event) -> bool:
        """Wait to lead, then run ``work(done)`` while renewing; release at the end.

        ``done`` is set when ``stop`` is set or leadership is lost; ``work`` must return
        promptly after that. Returns False when leadership was lost (the caller should exit).
        """
        if not await self.acquire(stop):
            return True
        done = asyncio.Event()
        renewer = asyncio.create_task(self.hold(stop))
        renewer.add_done_callback(lambda _: done.set())
        watcher = asyncio.create_task(stop.wait())
        watcher.add_done_callback(lambda _: done.set())
        try:
            await work(done)
        finally:
            done.set()
            watcher.cancel()
            renewer.cancel()
            await asyncio.gather(renewer, watcher, return_exceptions=True)
            lost = not self.is_leader
            await self.release()
        return not lost
