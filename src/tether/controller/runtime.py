"""The controller runtime every reconciler shares: watch → keyed queue → N workers.

Design (controller-runtime, in asyncio): a :class:`Manager` owns one shared
:class:`~tether.controller.informer.Informer` per kind (so two controllers watching
GitRepositories share one watch and one cache), the Prometheus registry, and the tasks.
Each registered :class:`Controller` has its own :class:`~tether.controller.queue.WorkQueue`
and ``concurrent`` workers; a worker takes a key (never one another worker holds), calls
``reconcile(key)`` and acts on the :class:`Result`: success → ``forget`` the backoff and
requeue after ``requeue_after`` (± jitter); ``failed`` → exponential backoff (750ms → 15m,
capped by ``requeue_after`` when given, so a long outage never delays recovery by more
than the object's interval);
an unexpected exception counts as a failure too (logged, never fatal).

How a reconciler joins the process (the Kustomization controller does exactly this)::

    ks = manager.register(
        name="kustomization", api_version=KS_API, kind="Kustomization",
        reconcile=reconciler.reconcile, concurrent=4,
    )                                      # primary watch: generation/annotation changes
    ks_cache = manager.informer(KS_API, "Kustomization")
    ks_cache.add_index("sourceRef", lambda o: [source_key_of(o)])   # "ns/name" of its source
    ks.watches(
        source.API_VERSION, "GitRepository",
        predicate=runtime.artifact_revision_changed,              # only new revisions
        map_to=lambda repo: [informer.key_of(k) for k in
                             ks_cache.by_index("sourceRef", informer.key_of(repo))],
    )

``reconcile(key)`` receives ``namespace/name`` and should read the object fresh from the
API (the cache may lag its own status writes). Metrics: ``tether_reconcile_total{kind,
result}``, ``tether_reconcile_duration_seconds{kind}``, ``tether_workqueue_depth{name}``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tether.cluster import client
from tether.controller import informer as informer_mod
from tether.controller import queue as queue_mod

__all__ = [
    "REQUESTED_AT",
    "Controller",
    "Manager",
    "Metrics",
    "Result",
    "artifact_revision_changed",
    "jitter",
    "spec_or_request_changed",
]

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
"""The annotation ``flux reconcile`` sets to ask for an immediate reconcile."""

Obj = dict[str, Any]
Reconcile = Callable[[str], Awaitable["Result"]]
Predicate = Callable[[str, Obj, "Obj | None"], bool]

log = structlog.get_logger("tether.runtime")


@dataclass(frozen=True)
class Result:
    """What a reconcile asks for next."""

    requeue_after: float | None = None
    """Reconcile again after this many seconds (jittered by the runtime); None: on events.
    With ``failed``, it caps the backoff (an object is retried at least every interval)."""
    failed: bool = False
    """Retry with exponential backoff (750ms doubling to 15m, capped by ``requeue_after``)."""


def jitter(seconds: float, *, fraction: float = 0.05, rng: random.Random | None = None) -> float:
    """``seconds`` ± ``fraction`` (Flux's ``--interval-jitter-percentage``, default 5%)."""
    pick = (rng or random).uniform(-fraction, fraction)
    return max(0.0, seconds * (1.0 + pick))


def _annotation(obj: Obj | None, name: str) -> str | None:
    if obj is None:
        return None
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(name)
    return None if value is None else str(value)


def spec_or_request_changed(event: str, obj: Obj, old: Obj | None) -> bool:
    """Flux's primary predicate: new object, deletion, generation or requestedAt change."""
    if event != "MODIFIED" or old is None:
        return True
    meta, old_meta = obj.get("metadata") or {}, old.get("metadata") or {}
    return (meta.get("generation") != old_meta.get("generation")
            or _annotation(obj, REQUESTED_AT) != _annotation(old, REQUESTED_AT)
            or meta.get("deletionTimestamp") != old_meta.get("deletionTimestamp"))


def _revision(obj: Obj | None) -> str | None:
    artifact = ((obj or {}).get("status") or {}).get("artifact") or {}
    value = artifact.get("revision")
    digest = artifact.get("digest")
    return None if value is None else f"{value} {digest}"


def artifact_revision_changed(event: str, obj: Obj, old: Obj | None) -> bool:
    """Source predicate: the object's ``status.artifact`` revision or digest changed."""
    if event == "DELETED":
        return True
    return _revision(obj) is not None and _revision(obj) != _revision(old)


class Metrics:
    """Prometheus collectors in a registry of their own (no process-global state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconciles = Counter("tether_reconcile_total", "Reconciles by kind and result.",
                                  ["kind", "result"], registry=self.registry)
        self.duration = Histogram(
            "tether_reconcile_duration_seconds", "Reconcile duration by kind.", ["kind"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=self.registry)
        self.depth = Gauge("tether_workqueue_depth", "Keys waiting in a work queue.",
                           ["name"], registry=self.registry)


class Controller:
    """One reconciler: its queue, workers and the watches that feed the queue."""

    def __init__(self, manager: Manager, *, name: str, kind: str, reconcile: Reconcile,
                 concurrent: int) -> None:
        self.manager = manager
        self.name = name
        self.kind = kind
        self.reconcile = reconcile
        self.concurrent = concurrent
        self.queue = queue_mod.WorkQueue()

    def enqueue(self, key: str) -> None:
        """Ask for a reconcile of ``key`` now."""
        self.queue.add(key)

    def watches(
        self,
        api_version: str,
        kind: str,
        *,
        map_to: Callable[[Obj], Iterable[str]],
        predicate: Predicate = spec_or_request_changed,
    ) -> None:
        """Enqueue ``map_to(obj)`` whenever an object of ``kind`` passes ``predicate``."""
        def handler(event: str, obj: Obj, old: Obj | None) -> None:
            if predicate(event, obj, old):
                for key in map_to(obj):
                    self.queue.add(key)
        self.manager.informer(api_version, kind).add_handler(handler)

    async def _work(self, worker: int) -> None:
        while True:
            try:
                key = await self.queue.get()
            except queue_mod.QueueShutDown:
                return
            try:
                await self._process(key, worker)
            finally:
                self.queue.done(key)

    async def _process(self, key: str, worker: int) -> None:
        metrics = self.manager.metrics
        metrics.depth.labels(self.name).set(len(self.queue))
        started = time.monotonic()
        try:
            result = await self.reconcile(key)
        except Exception:
            log.exception("reconcile crashed", controller=self.name, key=key, worker=worker)
            result = Result(failed=True)
        if result.failed:
            delay = self.queue.backoff(key)
            if result.requeue_after is not None:
                delay = min(delay, jitter(result.requeue_after))
            self.queue.add_after(key, delay)
        else:
            self.queue.forget(key)
            if result.requeue_after is not None:
                self.queue.add_after(key, jitter(result.requeue_after))
        metrics.reconciles.labels(self.kind, "failure" if result.failed else "success").inc()
        metrics.duration.labels(self.kind).observe(time.monotonic() - started)


class Manager:
    """Shared informers + controllers + metrics; ``run()`` until cancelled."""

    def __init__(self, kube: client.KubeClient, *, namespace: str | None = None) -> None:
        self.kube = kube
        self.namespace = namespace
        """Watch only this namespace (None: all namespaces)."""
        self.metrics = Metrics()
        self.controllers: list[Controller] = []
        self._informers: dict[tuple[str, str], informer_mod.Informer] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def informer(self, api_version: str, kind: str) -> informer_mod.Informer:
        """The shared informer of a kind (created on first use)."""
        key = (api_version, kind)
        if key not in self._informers:
            self._informers[key] = informer_mod.Informer(
                self.kube, api_version=api_version, kind=kind, namespace=self.namespace)
        return self._informers[key]

    def register(
        self,
        *,
        name: str,
        api_version: str,
        kind: str,
        reconcile: Reconcile,
        concurrent: int = 2,
        predicate: Predicate = spec_or_request_changed,
    ) -> Controller:
        """Add a controller reconciling ``kind``; its own objects feed its queue."""
        controller = Controller(self, name=name, kind=kind, reconcile=reconcile,
                                concurrent=concurrent)
        self.controllers.append(controller)
        controller.watches(api_version, kind, map_to=lambda obj: [informer_mod.key_of(obj)],
                           predicate=predicate)
        return controller

    @property
    def ready(self) -> bool:
        """True once every informer has listed at least once."""
        return bool(self._informers) and all(i.synced.is_set() for i in self._informers.values())

    async def start(self) -> None:
        """Start informers and workers (returns immediately)."""
        for inf in self._informers.values():
            self._tasks.append(asyncio.create_task(inf.run(), name=f"informer-{inf.kind}"))
        for controller in self.controllers:
            for i in range(controller.concurrent):
                self._tasks.append(asyncio.create_task(
                    controller._work(i), name=f"worker-{controller.name}-{i}"))

    async def wait_synced(self, timeout: float) -> bool:
        """Wait until every informer has listed once; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                for inf in self._informers.values():
                    await inf.synced.wait()
        except TimeoutError:
            return False
        return True

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop handing out work, let running reconciles finish (up to ``grace``), cancel."""
        for controller in self.controllers:
            await controller.queue.shutdown()
        workers = [t for t in self._tasks if t.get_name().startswith("worker-")]
        if workers:
            await asyncio.wait(workers, timeout=grace)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
