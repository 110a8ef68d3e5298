"""Leader election on a ``coordination.k8s.io/v1`` Lease, so only one replica reconciles.

Design (client-go's leaderelection, in asyncio): a candidate takes the Lease when it is
free, released, or *observed* unchanged for ``lease_duration`` — expiry is judged by our
own monotonic clock from the moment we last saw the record change, never by comparing the
holder's timestamps with ours (clock skew). Writes use optimistic concurrency
(``resourceVersion``), so two candidates cannot both win. The leader renews every
``retry_period``; if it cannot renew within ``renew_deadline`` it reports the loss and the
process must stop reconciling (the daemon exits, as controller-runtime does). On a graceful
stop the Lease is released so a successor takes over at once.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable
from typing import Any

import structlog

from tether import errors
from tether.cluster import client

__all__ = ["LeaderElector"]

API = "coordination.k8s.io/v1"
log = structlog.get_logger("tether.leader")


def _micro_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """Acquire, hold and release one Lease for ``identity``."""

    def __init__(
        self,
        kube: client.KubeClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kube = kube
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

    def _spec(self, old: dict[str, Any] | None) -> dict[str, Any]:
        now = _micro_now()
        spec = dict((old or {}).get("spec") or {})
        taking_over = spec.get("holderIdentity") != self.identity
        spec.update(holderIdentity=self.identity,
                    leaseDurationSeconds=max(1, int(self.lease_duration)), renewTime=now)
        if taking_over:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (
                1 if old is not None else 0)
        return spec

    def _free(self, lease: dict[str, Any]) -> bool:
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        record = (holder, spec.get("renewTime"), spec.get("leaseDurationSeconds"))
        if record != self._observed:
            self._observed, self._observed_at = record, self._clock()
        if not holder or holder == self.identity:
            return True
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        return self._clock() - self._observed_at > duration

    async def try_acquire_or_renew(self) -> bool:
        """One attempt; True when we hold the Lease afterwards."""
        lease = await self.kube.get_or_none(API, "Lease", self.name, self.namespace)
        try:
            if lease is None:
                await self.kube.create({
                    "apiVersion": API, "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": self._spec(None)})
                return True
            if not self._free(lease):
                return False
            await self.kube.replace({**lease, "spec": self._spec(lease)})
            return True
        except errors.ConflictError:
            return False  # somebody else wrote first; look again next period

    async def acquire(self) -> None:
        """Wait until we are the leader."""
        while True:
            try:
                if await self.try_acquire_or_renew():
                    self.is_leader = True
                    log.info("became leader", lease=f"{self.namespace}/{self.name}",
                             identity=self.identity)
                    return
            except errors.ClusterError as exc:
                log.warning("leader election attempt failed", error=exc.one_line())
            await asyncio.sleep(self.retry_period)

    async def hold(self) -> None:
        """Renew until cancelled; return (leadership lost) when renewal keeps failing."""
        last_renewal = self._clock()
        while True:
            await asyncio.sleep(self.retry_period)
            try:
                if await self.try_acquire_or_renew():
                    last_renewal = self._clock()
                    continue
            except errors.ClusterError as exc:
                log.warning("lease renewal failed", error=exc.one_line())
            if self._clock() - last_renewal > self.renew_deadline:
                self.is_leader = False
                log.error("leader election lost", lease=f"{self.namespace}/{self.name}")
                return

    async def release(self) -> None:
        """Give the Lease up (best effort) so a successor need not wait for expiry."""
        if not self.is_leader:
            return
        self.is_leader = False
        try:
            lease = await self.kube.get_or_none(API, "Lease", self.name, self.namespace)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                spec = {**lease["spec"], "holderIdentity": None, "leaseDurationSeconds": 1}
                await self.kube.replace({**lease, "spec": spec})
        except errors.ClusterError as exc:
            log.warning("cannot release the lease", error=exc.one_line())
