"""The dev cluster is a real cluster: controllers, scheduler and kwok nodes all work."""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpers import eventually

from tether.cluster import client

pytestmark = pytest.mark.cluster


def _deployment(name: str, namespace: str, **pod_spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 2, "progressDeadlineSeconds": 10,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}],
                                  **pod_spec}},
        },
    }


def _condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


async def test_server_reports_pinned_version(kube: client.KubeClient) -> None:
    version = await kube.version()
    assert version["gitVersion"] == "v1.36.3"
    assert (version["major"], version["minor"]) == ("1", "36")


async def test_deployment_becomes_available(kube: client.KubeClient, namespace: str) -> None:
    await kube.apply(_deployment("web", namespace), field_manager="tether-test")

    async def available() -> dict[str, Any] | None:
        obj = await kube.get("apps/v1", "Deployment", "web", namespace)
        cond = _condition(obj, "Available")
        ok = cond and cond["status"] == "True" and obj["status"].get("readyReplicas") == 2
        return obj if ok else None

    obj = await eventually(available, timeout=60, what="Deployment web Available")
    pods, _ = await kube.list("v1", "Pod", namespace=namespace)
    assert len(pods) == 2
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert all(p["spec"]["nodeName"].startswith("tether-node-") for p in pods)
    assert obj["status"]["availableReplicas"] == 2


async def test_unsatisfiable_node_selector_stays_pending(
    kube: client.KubeClient, namespace: str
) -> None:
    await kube.apply(_deployment("nowhere", namespace, nodeSelector={"disk": "none"}),
                     field_manager="tether-test")

    async def deadline_exceeded() -> dict[str, Any] | None:
        obj = await kube.get("apps/v1", "Deployment", "nowhere", namespace)
        cond = _condition(obj, "Progressing")
        return cond if cond and cond.get("reason") == "ProgressDeadlineExceeded" else None

    await eventually(deadline_exceeded, timeout=60, what="ProgressDeadlineExceeded")
    pods, _ = await kube.list("v1", "Pod", namespace=namespace)
    assert pods and all(p["status"]["phase"] == "Pending" for p in pods)
    scheduled = [_condition(p, "PodScheduled") for p in pods]
    assert all(c and c["status"] == "False" and c["reason"] == "Unschedulable" for c in scheduled)


async def test_namespace_deletion_completes(kube: client.KubeClient) -> None:
    name = "t-delete-me"
    await kube.delete("v1", "Namespace", name)
    await eventually(lambda: _absent(kube, name), timeout=60, what="old namespace gone")
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    await kube.apply(_deployment("web", name), field_manager="tether-test")
    await eventually(lambda: _has_pods(kube, name), timeout=60, what="pods in namespace")
    assert await kube.delete("v1", "Namespace", name)
    await eventually(lambda: _absent(kube, name), timeout=90, what=f"namespace {name} deleted")


async def _absent(kube: client.KubeClient, name: str) -> bool:
    return await kube.get_or_none("v1", "Namespace", name) is None


async def _has_pods(kube: client.KubeClient, namespace: str) -> bool:
    pods, _ = await kube.list("v1", "Pod", namespace=namespace)
    return len(pods) == 2
