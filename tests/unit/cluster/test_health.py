"""kstatus rules on literal objects: Current, InProgress, Failed for each supported kind."""

from __future__ import annotations

from typing import Any

import pytest

from tether.cluster import health
from tether.cluster.changeset import ObjectRef
from tether.cluster.health import HealthReport, ObjectHealth, Result, Status


def _obj(api: str, kind: str, *, spec: Any = None, status: Any = None,
         generation: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "x", "namespace": "ns"}
    if generation is not None:
        meta["generation"] = generation
    obj: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


def _cond(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, str]:
    return {"type": type_, "status": status, "reason": reason, "message": message}


def _deploy(status: dict[str, Any], replicas: int = 2, generation: int = 1) -> dict[str, Any]:
    return _obj("apps/v1", "Deployment", spec={"replicas": replicas}, status=status,
                generation=generation)


AVAILABLE = {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
             "availableReplicas": 2, "conditions": [_cond("Available", "True")]}


def test_deployment_available_is_current() -> None:
    assert health.compute(_deploy(AVAILABLE)).status is Status.CURRENT


@pytest.mark.parametrize("change", [
    {"observedGeneration": 0},
    {"updatedReplicas": 1},
    {"replicas": 3},
    {"availableReplicas": 1},
    {"readyReplicas": 1},
    {"conditions": [_cond("Available", "False")]},
])
def test_deployment_in_progress(change: dict[str, Any]) -> None:
    assert health.compute(_deploy({**AVAILABLE, **change})).status is Status.IN_PROGRESS


def test_deployment_progress_deadline_fails_fast() -> None:
    status = {"observedGeneration": 1, "conditions": [
        _cond("Progressing", "False", "ProgressDeadlineExceeded", "took too long")]}
    result = health.compute(_deploy(status))
    assert result.status is Status.FAILED
    assert "took too long" in result.message


def test_deployment_scaled_to_zero_is_current() -> None:
    status = {"observedGeneration": 1}
    assert health.compute(_deploy(status, replicas=0)).status is Status.CURRENT


def test_statefulset_rules() -> None:
    spec = {"replicas": 2}
    ready = {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2,
             "currentRevision": "a", "updateRevision": "a"}
    sts = _obj("apps/v1", "StatefulSet", spec=spec, status=ready, generation=1)
    assert health.compute(sts).status is Status.CURRENT
    rolling = _obj("apps/v1", "StatefulSet", spec=spec, generation=1,
                   status={**ready, "updateRevision": "b"})
    assert health.compute(rolling).status is Status.IN_PROGRESS


def test_daemonset_rules() -> None:
    full = {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
            "updatedNumberScheduled": 3, "numberAvailable": 3, "numberReady": 3}
    assert health.compute(_obj("apps/v1", "DaemonSet", status=full)).status is Status.CURRENT
    partial = {**full, "numberReady": 2}
    ds = _obj("apps/v1", "DaemonSet", status=partial)
    assert health.compute(ds).status is Status.IN_PROGRESS


@pytest.mark.parametrize(("conds", "expected"), [
    ([_cond("Complete", "True")], Status.CURRENT),
    ([_cond("Failed", "True", "BackoffLimitExceeded")], Status.FAILED),
    ([], Status.IN_PROGRESS),
])
def test_job_rules(conds: list[dict[str, str]], expected: Status) -> None:
    job = _obj("batch/v1", "Job", status={"conditions": conds})
    assert health.compute(job).status is expected


@pytest.mark.parametrize(("status", "expected"), [
    ({"phase": "Running", "conditions": [_cond("Ready", "True")]}, Status.CURRENT),
    ({"phase": "Running", "conditions": [_cond("Ready", "False")]}, Status.IN_PROGRESS),
    ({"phase": "Succeeded"}, Status.CURRENT),
    ({"phase": "Failed"}, Status.FAILED),
    ({"phase": "Pending"}, Status.IN_PROGRESS),
])
def test_pod_rules(status: dict[str, Any], expected: Status) -> None:
    assert health.compute(_obj("v1", "Pod", status=status)).status is expected


def test_pvc_service_namespace_crd() -> None:
    assert health.compute(_obj("v1", "PersistentVolumeClaim",
                               status={"phase": "Bound"})).status is Status.CURRENT
    assert health.compute(_obj("v1", "PersistentVolumeClaim",
                               status={"phase": "Pending"})).status is Status.IN_PROGRESS
    lb = _obj("v1", "Service", spec={"type": "LoadBalancer"})
    assert health.compute(lb).status is Status.IN_PROGRESS
    lb["spec"]["clusterIP"] = "10.0.0.1"
    assert health.compute(lb).status is Status.CURRENT
    assert health.compute(_obj("v1", "Namespace",
                               status={"phase": "Terminating"})).status is Status.IN_PROGRESS
    crd = _obj("apiextensions.k8s.io/v1", "CustomResourceDefinition",
               status={"conditions": [_cond("Established", "True")]})
    assert health.compute(crd).status is Status.CURRENT
    crd["status"]["conditions"] = [_cond("NamesAccepted", "False", "Conflict")]
    assert health.compute(crd).status is Status.FAILED


@pytest.mark.parametrize(("conds", "generation", "expected"), [
    ([_cond("Ready", "True")], 1, Status.CURRENT),
    ([_cond("Ready", "False", "BuildFailed")], 1, Status.IN_PROGRESS),
    ([_cond("Stalled", "True", "InvalidSpec")], 1, Status.FAILED),
    ([_cond("Reconciling", "True"), _cond("Ready", "Unknown")], 1, Status.IN_PROGRESS),
    ([_cond("Ready", "True")], 2, Status.IN_PROGRESS),
    ([], 1, Status.CURRENT),
])
def test_generic_ready_condition(conds: list[dict[str, str]], generation: int,
                                 expected: Status) -> None:
    obj = _obj("example.com/v1", "Widget", generation=generation,
               status={"observedGeneration": 1, "conditions": conds})
    assert health.compute(obj).status is expected


def test_no_status_is_current_and_missing_is_not_found() -> None:
    assert health.compute(_obj("v1", "ConfigMap")).status is Status.CURRENT
    assert health.compute(None).status is Status.NOT_FOUND


def test_report_messages_name_objects() -> None:
    ref = ObjectRef("apps", "Deployment", "ns", "web", "v1")
    ok = ObjectHealth(ObjectRef("", "ConfigMap", "ns", "c", "v1"), Result(Status.CURRENT))
    failed = HealthReport((ok, ObjectHealth(ref, Result(Status.FAILED, "deadline"))), 3.0)
    assert not failed.ok
    assert "failed early due to stalled resources: [Deployment/ns/web status: 'Failed'" in (
        failed.message())
    waiting = HealthReport((ObjectHealth(ref, Result(Status.IN_PROGRESS, "x")),), 9.0, True)
    assert "timeout waiting for: [Deployment/ns/web status: 'InProgress'" in waiting.message()
    with pytest.raises(Exception, match="Deployment/ns/web"):
        waiting.raise_for_failure()
    HealthReport((ok,), 0.1).raise_for_failure()
