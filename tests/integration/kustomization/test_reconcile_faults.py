"""Faults and corrections through the reconciler on the real dev cluster: hand edits are
reverted, spec.force recreates on an immutable change, and a reconcile killed mid-apply
leaves no orphan (the inventory is written ahead) and no double delete."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from tests.helpers import eventually

from tether import conditions
from tether.api import kustomize as ks_api
from tether.cluster.client import KubeClient
from tether.controller.kustomization import KustomizationReconciler

from .conftest import Publish, kustomization

pytestmark = pytest.mark.cluster

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: '{v}'\n"
JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{{name: m, image: "busybox:{tag}"}}]
"""


async def test_hand_edit_is_reverted(kube: KubeClient, namespace: str, publish: Publish,
                                     reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", v="git")})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    await kube.patch("v1", "ConfigMap", "a", {"data": {"v": "hand"}}, namespace=namespace,
                     field_manager="kubectl-edit")
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["data"] == {"v": "git"}


async def test_force_recreates_immutable_change(kube: KubeClient, namespace: str,
                                                publish: Publish,
                                                reconciler: KustomizationReconciler) -> None:
    await publish({"job.yaml": JOB.format(tag="1")})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    uid = (await kube.get("batch/v1", "Job", "migrate", namespace))["metadata"]["uid"]
    await publish({"job.yaml": JOB.format(tag="2")})
    outcome = await reconciler.reconcile(namespace, "apps")
    assert not outcome.ready
    obj = await kube.get(ks_api.API_VERSION, ks_api.KIND, "apps", namespace)
    ready = conditions.get(obj["status"], conditions.READY) or {}
    assert ready["reason"] == "ReconciliationFailed"
    assert f"Job/{namespace}/migrate dry-run failed" in ready["message"]
    await kube.patch(ks_api.API_VERSION, ks_api.KIND, "apps", {"spec": {"force": True}},
                     namespace=namespace)
    assert (await reconciler.reconcile(namespace, "apps")).ready
    job = await kube.get("batch/v1", "Job", "migrate", namespace)
    assert job["metadata"]["uid"] != uid


async def test_killed_mid_apply_leaves_no_orphan(kube: KubeClient, namespace: str,
                                                 publish: Publish,
                                                 reconciler: KustomizationReconciler) -> None:
    await publish({f"c{i:03d}.yaml": CM.format(name=f"c{i:03d}", v=i) for i in range(300)})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    task = asyncio.create_task(reconciler.reconcile(namespace, "apps"))

    async def some_applied() -> bool:
        items, _ = await kube.list("v1", "ConfigMap", namespace=namespace,
                                   label_selector="kustomize.toolkit.fluxcd.io/name=apps")
        return len(items) > 0

    await eventually(some_applied, timeout=30, interval=0.02, what="apply under way")
    task.cancel()  # the controller dies mid-apply: no final status is written
    with contextlib.suppress(asyncio.CancelledError):
        await task
    obj = await kube.get(ks_api.API_VERSION, ks_api.KIND, "apps", namespace)
    assert len(obj["status"]["inventory"]["entries"]) == 300  # written ahead of the apply
    # Next revision drops every object but one; the restarted controller converges.
    await publish({"c000.yaml": CM.format(name="c000", v=0)})
    assert (await reconciler.reconcile(namespace, "apps")).ready
    items, _ = await kube.list("v1", "ConfigMap", namespace=namespace,
                               label_selector="kustomize.toolkit.fluxcd.io/name=apps")
    assert [o["metadata"]["name"] for o in items] == ["c000"]
    events, _ = await kube.list("v1", "Event", namespace=namespace)
    assert not [e for e in events if e.get("type") == "Warning"
                and "delete failed" in str(e.get("message"))]


async def test_ignored_field_keeps_the_cluster_value(
        kube: KubeClient, namespace: str, publish: Publish,
        reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
                             "data:\n  v: git\n  w: git\n"})
    await kube.create(kustomization(namespace, targetNamespace=namespace, ignore=[
        {"paths": ["/data/v"], "target": {"kind": "ConfigMap", "name": "a"}}]))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    # Created without the ignored field; another tool sets it and we leave it alone.
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["data"] == {"w": "git"}
    await kube.patch("v1", "ConfigMap", "a", {"data": {"v": "theirs", "w": "hand"}},
                     namespace=namespace, field_manager="operator")
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["data"] == {
        "v": "theirs", "w": "git"}


async def test_failure_records_one_warning_event(
        kube: KubeClient, namespace: str, publish: Publish,
        reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n"})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    assert not (await reconciler.reconcile(namespace, "apps")).ready
    assert not (await reconciler.reconcile(namespace, "apps")).ready  # same failure again

    async def warnings() -> list[dict[str, object]] | None:
        events, _ = await kube.list("v1", "Event", namespace=namespace)
        found = [e for e in events if e.get("type") == "Warning"
                 and (e.get("involvedObject") or {}).get("kind") == "Kustomization"]
        return found or None

    found = await eventually(warnings, timeout=10, what="a Warning Event")
    assert len(found) == 1  # the repeat is not recorded twice
    assert found[0]["reason"] == "BuildFailed"
    assert "a.yaml" in str(found[0]["message"])
