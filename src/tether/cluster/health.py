"""Health of applied objects, by kstatus rules, and waiting for a set of them.

Design: ``compute(obj)`` is a pure function from one object (a decoded dict) to a
``Result`` of ``Current | InProgress | Failed | NotFound``, following kstatus
(kubernetes-sigs/cli-utils) as Flux uses it: built-in workloads by their replica counters and
``observedGeneration``, Jobs/Pods/PVCs/CRDs/Namespaces by phase or condition, any other object
by its ``Ready``/``Reconciling``/``Stalled`` conditions, and objects without status are
Current. ``wait_for_set`` polls the objects (bounded concurrency, one deadline) and returns a
``HealthReport`` value; it stops early when an object has clearly failed (a Deployment past its
progress deadline, a failed Job, a Stalled resource) — Flux's fail-fast behaviour.
As in kstatus, a LoadBalancer Service is Current once it has a cluster IP (waiting for an
external ingress would never end on clusters without a load-balancer controller).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tether import errors
from tether.cluster.changeset import ObjectRef
from tether.cluster.client import KubeClient

__all__ = ["HealthReport", "ObjectHealth", "Result", "Status", "compute", "wait_for_set"]


class Status(StrEnum):
    """kstatus status values."""

    CURRENT = "Current"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    NOT_FOUND = "NotFound"


@dataclass(frozen=True)
class Result:
    """The computed status of one object and a one-line reason."""

    status: Status
    message: str = ""


def _cond(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == type_:
            return cond
    return None


def _is(obj: Mapping[str, Any], type_: str, value: str = "True") -> bool:
    cond = _cond(obj, type_)
    return cond is not None and cond.get("status") == value


def _int(mapping: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = mapping.get(key)
    return int(value) if isinstance(value, int | float) else default


def _generation_lag(obj: Mapping[str, Any]) -> Result | None:
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return Result(Status.IN_PROGRESS, f"observed generation {observed} < {generation}")
    return None


def _deployment(obj: Mapping[str, Any]) -> Result:
    status = obj.get("status") or {}
    progressing = _cond(obj, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        detail = progressing.get("message", "")
        return Result(Status.FAILED, f"progress deadline exceeded: {detail}")
    desired = _int(obj.get("spec") or {}, "replicas", 1)
    updated = _int(status, "updatedReplicas")
    ready = _int(status, "readyReplicas")
    available = _int(status, "availableReplicas")
    total = _int(status, "replicas")
    checks = (
        (updated < desired, f"updated replicas {updated}/{desired}"),
        (total > updated, f"{total - updated} old replicas pending termination"),
        (available < updated, f"available replicas {available}/{updated}"),
        (ready < desired, f"ready replicas {ready}/{desired}"),
        (desired > 0 and not _is(obj, "Available"), "Deployment not Available"),
    )
    for failing, message in checks:
        if failing:
            return Result(Status.IN_PROGRESS, message)
    return Result(Status.CURRENT, f"Deployment is available. Replicas: {ready}")


def _replicaset(obj: Mapping[str, Any]) -> Result:
    status = obj.get("status") or {}
    desired = _int(obj.get("spec") or {}, "replicas", 1)
    for key in ("readyReplicas", "availableReplicas"):
        if _int(status, key) < desired:
            return Result(Status.IN_PROGRESS, f"{key} {_int(status, key)}/{desired}")
    return Result(Status.CURRENT, f"ReplicaSet is available. Replicas: {desired}")


def _statefulset(obj: Mapping[str, Any]) -> Result:
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    desired = _int(spec, "replicas", 1)
    strategy = spec.get("updateStrategy") or {}
    ready = _int(status, "readyReplicas")
    if ready < desired:
        return Result(Status.IN_PROGRESS, f"ready replicas {ready}/{desired}")
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        partition = _int(strategy.get("rollingUpdate") or {}, "partition")
        updated = _int(status, "updatedReplicas")
        if updated < desired - partition:
            return Result(Status.IN_PROGRESS, f"updated replicas {updated}/{desired - partition}")
        if partition == 0 and status.get("updateRevision") != status.get("currentRevision"):
            return Result(Status.IN_PROGRESS, "rolling update in progress")
    return Result(Status.CURRENT, f"StatefulSet is ready. Replicas: {ready}")


def _daemonset(obj: Mapping[str, Any]) -> Result:
    status = obj.get("status") or {}
    desired = _int(status, "desiredNumberScheduled", -1)
    if desired < 0:
        return Result(Status.IN_PROGRESS, "DaemonSet not yet scheduled")
    for key in ("currentNumberScheduled", "updatedNumberScheduled", "numberAvailable",
                "numberReady"):
        if _int(status, key) < desired:
            return Result(Status.IN_PROGRESS, f"{key} {_int(status, key)}/{desired}")
    return Result(Status.CURRENT, f"All replicas scheduled as expected. Replicas: {desired}")


def _job(obj: Mapping[str, Any]) -> Result:
    for type_ in ("Failed", "FailureTarget"):
        cond = _cond(obj, type_)
        if cond and cond.get("status") == "True":
            return Result(Status.FAILED, f"Job failed: {cond.get('message') or cond.get('reason')}")
    if _is(obj, "Complete") or _is(obj, "SuccessCriteriaMet"):
        return Result(Status.CURRENT, "Job Completed")
    return Result(Status.IN_PROGRESS, "Job in progress")


def _pod(obj: Mapping[str, Any]) -> Result:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return Result(Status.CURRENT, "Pod has completed successfully")
    if phase == "Failed":
        return Result(Status.FAILED, "Pod has failed")
    if phase == "Running" and _is(obj, "Ready"):
        return Result(Status.CURRENT, "Pod is Ready")
    return Result(Status.IN_PROGRESS, f"Pod phase {phase or 'unknown'}, not Ready")


def _pvc(obj: Mapping[str, Any]) -> Result:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Bound":
        return Result(Status.CURRENT, "PVC is Bound")
    return Result(Status.IN_PROGRESS, f"PVC is not Bound (phase {phase or 'unknown'})")


def _service(obj: Mapping[str, Any]) -> Result:
    spec = obj.get("spec") or {}
    if spec.get("type") == "LoadBalancer" and not spec.get("clusterIP"):
        return Result(Status.IN_PROGRESS, "ClusterIP not set")
    return Result(Status.CURRENT, "Service is ready")


def _crd(obj: Mapping[str, Any]) -> Result:
    names = _cond(obj, "NamesAccepted")
    if names and names.get("status") == "False":
        return Result(Status.FAILED, f"CRD names not accepted: {names.get('message', '')}")
    if _is(obj, "Established"):
        return Result(Status.CURRENT, "CRD is established")
    return Result(Status.IN_PROGRESS, "CRD is not established")


def _namespace(obj: Mapping[str, Any]) -> Result:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Active":
        return Result(Status.CURRENT, "Namespace is Active")
    return Result(Status.IN_PROGRESS, f"Namespace is {phase or 'not Active'}")


def _generic(obj: Mapping[str, Any]) -> Result:
    stalled = _cond(obj, "Stalled")
    if stalled and stalled.get("status") == "True":
        return Result(Status.FAILED, str(stalled.get("message") or stalled.get("reason") or ""))
    reconciling = _cond(obj, "Reconciling")
    if reconciling and reconciling.get("status") == "True":
        return Result(Status.IN_PROGRESS, str(reconciling.get("message") or "Reconciling"))
    ready = _cond(obj, "Ready")
    if ready is not None and ready.get("status") != "True":
        return Result(Status.IN_PROGRESS, str(ready.get("message") or "not Ready"))
    return Result(Status.CURRENT, "Resource is current")


_RULES: dict[tuple[str, str], Callable[[Mapping[str, Any]], Result]] = {
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "Job"): _job,
    ("", "Pod"): _pod,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "Service"): _service,
    ("", "Namespace"): _namespace,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
}


def compute(obj: Mapping[str, Any] | None) -> Result:
    """The kstatus status of one object (None means it does not exist)."""
    if obj is None:
        return Result(Status.NOT_FOUND, "object not found")
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return Result(Status.IN_PROGRESS, "object is being deleted")
    lag = _generation_lag(obj)
    if lag is not None:
        return lag
    ref = ObjectRef.from_object(obj)
    rule = _RULES.get((ref.group, ref.kind), _generic)
    return rule(obj)


@dataclass(frozen=True)
class ObjectHealth:
    """One object's last observed status."""

    ref: ObjectRef
    result: Result

    def __str__(self) -> str:
        return f"{self.ref.subject} status: '{self.result.status}'" + (
            f" ({self.result.message})" if self.result.message else "")


@dataclass(frozen=True)
class HealthReport:
    """The outcome of a wait: every object's last status and how long it took."""

    objects: tuple[ObjectHealth, ...]
    elapsed: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """True when every object is Current."""
        return all(o.result.status is Status.CURRENT for o in self.objects)

    def failed(self) -> tuple[ObjectHealth, ...]:
        """Objects that have clearly failed."""
        return tuple(o for o in self.objects if o.result.status is Status.FAILED)

    def pending(self) -> tuple[ObjectHealth, ...]:
        """Objects that are neither Current nor Failed."""
        return tuple(o for o in self.objects
                     if o.result.status not in (Status.CURRENT, Status.FAILED))

    def message(self) -> str:
        """Flux-style one-line summary of what is wrong (empty when healthy)."""
        if self.ok:
            return ""
        failed = self.failed()
        if failed:
            listed = ", ".join(str(o) for o in failed)
            return (f"health check failed after {self.elapsed:.1f}s: "
                    f"failed early due to stalled resources: [{listed}]")
        listed = ", ".join(str(o) for o in self.pending())
        return f"health check failed after {self.elapsed:.1f}s: timeout waiting for: [{listed}]"

    def raise_for_failure(self) -> None:
        """Raise HealthCheckError (naming each object and why) unless healthy."""
        if not self.ok:
            raise errors.HealthCheckError(self.message())


async def _observe(client: KubeClient, ref: ObjectRef) -> ObjectHealth:
    try:
        obj = await client.get_or_none(ref.api_version, ref.kind, ref.name,
                                       ref.namespace or None)
    except errors.ClusterError as exc:
        return ObjectHealth(ref, Result(Status.IN_PROGRESS, exc.one_line()))
    if obj is None and (ref.group, ref.kind) == ("batch", "Job"):
        # A finished Job removed by its ttlSecondsAfterFinished counts as done (Flux).
        return ObjectHealth(ref, Result(Status.CURRENT, "Job finished and was deleted"))
    return ObjectHealth(ref, compute(obj))


async def wait_for_set(
    client: KubeClient,
    refs: Sequence[ObjectRef],
    *,
    timeout: float,
    interval: float = 2.0,
    fail_fast: bool = True,
    concurrency: int = 8,
) -> HealthReport:
    """Poll ``refs`` until all are Current, one has Failed (``fail_fast``), or ``timeout``.

    Never raises for unhealthy objects: the returned report says which object is not
    healthy and why (``report.raise_for_failure()`` turns it into a HealthCheckError).
    """
    start = time.monotonic()
    deadline = start + timeout
    gate = asyncio.Semaphore(max(1, concurrency))
    latest: dict[ObjectRef, ObjectHealth] = {}

    async def observe(ref: ObjectRef) -> ObjectHealth:
        async with gate:
            return await _observe(client, ref)

    pending = list(dict.fromkeys(refs))
    while True:
        for health in await asyncio.gather(*(observe(r) for r in pending)):
            latest[health.ref] = health
        pending = [r for r in pending if latest[r].result.status is not Status.CURRENT]
        report = HealthReport(tuple(latest[r] for r in dict.fromkeys(refs)),
                              elapsed=time.monotonic() - start)
        if not pending or (fail_fast and report.failed()):
            return report
        now = time.monotonic()
        if now >= deadline:
            return HealthReport(report.objects, elapsed=now - start, timed_out=True)
        await asyncio.sleep(min(interval, deadline - now))
