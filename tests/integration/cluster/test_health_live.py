"""Health on the real dev cluster (kwok nodes): a Deployment that becomes Available and one
that cannot be scheduled and fails at its progress deadline, with the reason reported."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tether import errors
from tether.cluster import health, ssa
from tether.cluster.changeset import ObjectRef
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster


def _deployment(ns: str, name: str, **pod_spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 2, "progressDeadlineSeconds": 10,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {
                "containers": [{"name": "app", "image": "nginx:1.27"}], **pod_spec}},
        },
    }


async def test_deployment_becomes_available(kube: KubeClient, namespace: str) -> None:
    objs = [_deployment(namespace, "good"),
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "good", "namespace": namespace},
             "spec": {"selector": {"app": "good"}, "ports": [{"port": 80}]}}]
    cs = await ssa.apply_all_staged(kube, objs)
    report = await health.wait_for_set(kube, [e.ref for e in cs], timeout=60, interval=0.5)
    assert report.ok, report.message()
    report.raise_for_failure()


async def test_unschedulable_deployment_fails_fast_with_reason(kube: KubeClient,
                                                                namespace: str) -> None:
    bad = _deployment(namespace, "stuck", nodeSelector={"tether.test/no-such-node": "true"})
    cs = await ssa.apply_all_staged(kube, [bad])
    started = time.monotonic()
    report = await health.wait_for_set(kube, [e.ref for e in cs], timeout=90, interval=0.5)
    assert not report.ok
    assert not report.timed_out  # failed early, well before the 90s budget
    assert time.monotonic() - started < 60
    (failed,) = report.failed()
    assert failed.ref.subject == f"Deployment/{namespace}/stuck"
    assert "progress deadline exceeded" in failed.result.message
    with pytest.raises(errors.HealthCheckError, match=f"Deployment/{namespace}/stuck"):
        report.raise_for_failure()


async def test_missing_object_times_out_with_names(kube: KubeClient, namespace: str) -> None:
    ref = ObjectRef("", "ConfigMap", namespace, "never", "v1")
    report = await health.wait_for_set(kube, [ref], timeout=1, interval=0.2)
    assert report.timed_out
    assert f"timeout waiting for: [ConfigMap/{namespace}/never status: 'NotFound'" in (
        report.message())


async def test_vanished_job_counts_as_done(kube: KubeClient, namespace: str) -> None:
    ref = ObjectRef("batch", "Job", namespace, "ttl-gone", "v1")
    report = await health.wait_for_set(kube, [ref], timeout=5, interval=0.2)
    assert report.ok, report.message()
