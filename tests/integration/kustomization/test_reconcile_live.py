"""The Kustomization reconciler end to end on the real dev cluster: apply, no-op, prune,
failures mapped to Flux reasons, health, dependsOn, suspend, substitution, deletion."""

from __future__ import annotations

from typing import Any

import pytest

from tether import conditions
from tether.api import kustomize as ks_api
from tether.cluster import ownership
from tether.cluster.client import KubeClient
from tether.controller.kustomization import KustomizationReconciler

from .conftest import Publish, kustomization

pytestmark = pytest.mark.cluster

CM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  value: "{value}"
"""

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  progressDeadlineSeconds: 10
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      {extra}
      containers: [{{name: app, image: "nginx:1.27"}}]
"""


async def _status(kube: KubeClient, namespace: str, name: str = "apps") -> dict[str, Any]:
    obj = await kube.get(ks_api.API_VERSION, ks_api.KIND, name, namespace)
    status: dict[str, Any] = obj.get("status") or {}
    return status


def _ready(status: dict[str, Any]) -> dict[str, Any]:
    cond = conditions.get(status, conditions.READY)
    assert cond is not None, status
    return cond


async def test_apply_then_noop_then_prune(kube: KubeClient, namespace: str, publish: Publish,
                                          reconciler: KustomizationReconciler) -> None:
    rev1 = await publish({"app/a.yaml": CM.format(name="a", value="1"),
                          "app/b.yaml": CM.format(name="b", value="1")})
    await kube.create(kustomization(namespace, path="./app", targetNamespace=namespace))
    outcome = await reconciler.reconcile(namespace, "apps")
    assert outcome.ready, outcome.message
    assert outcome.requeue_after == 600
    status = await _status(kube, namespace)
    assert _ready(status)["reason"] == "ReconciliationSucceeded"
    assert _ready(status)["message"] == f"Applied revision: {rev1}"
    assert status["lastAppliedRevision"] == rev1 == status["lastAttemptedRevision"]
    assert status["inventory"]["entries"] == [{"id": f"{namespace}_a__ConfigMap", "v": "v1"},
                                              {"id": f"{namespace}_b__ConfigMap", "v": "v1"}]
    assert conditions.get(status, conditions.RECONCILING) is None
    live = await kube.get("v1", "ConfigMap", "a", namespace)
    assert ownership.is_owned_by(live, name="apps", namespace=namespace)
    finalizers = (await kube.get(ks_api.API_VERSION, ks_api.KIND, "apps", namespace))[
        "metadata"]["finalizers"]
    assert finalizers == [ks_api.FINALIZER]

    rv = live["metadata"]["resourceVersion"]
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["metadata"][
        "resourceVersion"] == rv
    assert (await _status(kube, namespace))["history"][0]["totalReconciliations"] == 2

    await publish({"app/a.yaml": CM.format(name="a", value="2")})
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert await kube.get_or_none("v1", "ConfigMap", "b", namespace) is None
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["data"] == {"value": "2"}
    assert len((await _status(kube, namespace))["inventory"]["entries"]) == 1


async def test_build_failure_prunes_nothing(kube: KubeClient, namespace: str,
                                            publish: Publish,
                                            reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", value="1"),
                   "b.yaml": CM.format(name="b", value="1")})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    await publish({"kustomization.yaml": "resources: [a.yaml, missing.yaml]\n",
                   "a.yaml": CM.format(name="a", value="1")})
    outcome = await reconciler.reconcile(namespace, "apps")
    assert not outcome.ready
    assert outcome.requeue_after == 600  # retryInterval defaults to interval
    status = await _status(kube, namespace)
    assert _ready(status)["reason"] == "BuildFailed"
    assert await kube.get_or_none("v1", "ConfigMap", "b", namespace) is not None
    assert len(status["inventory"]["entries"]) == 2


async def test_wait_failure_reports_health_check_failed(
        kube: KubeClient, namespace: str, publish: Publish,
        reconciler: KustomizationReconciler) -> None:
    await publish({
        "good.yaml": DEPLOY.format(name="good", extra=""),
        "stuck.yaml": DEPLOY.format(name="stuck",
                                    extra="nodeSelector: {tether.test/none: 'x'}"),
    })
    await kube.create(kustomization(namespace, targetNamespace=namespace, wait=True,
                                    timeout="1m", retryInterval="5s"))
    outcome = await reconciler.reconcile(namespace, "apps")
    assert not outcome.ready
    assert outcome.requeue_after == 5
    status = await _status(kube, namespace)
    ready = _ready(status)
    assert ready["reason"] == "HealthCheckFailed"
    assert f"Deployment/{namespace}/stuck" in ready["message"]
    assert f"Deployment/{namespace}/good" not in ready["message"]
    healthy = conditions.get(status, conditions.HEALTHY)
    assert healthy is not None and healthy["status"] == "False"


async def test_dependencies_not_ready_and_cycles(kube: KubeClient, namespace: str,
                                                 publish: Publish,
                                                 reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", value="1")})
    await kube.create(kustomization(namespace, "infra", targetNamespace=namespace))
    await kube.create(kustomization(namespace, "apps", targetNamespace=namespace,
                                    dependsOn=[{"name": "infra"}]))
    outcome = await reconciler.reconcile(namespace, "apps")
    assert outcome.requeue_after == 1.0  # --requeue-dependency
    assert _ready(await _status(kube, namespace))["reason"] == "DependencyNotReady"
    assert (await reconciler.reconcile(namespace, "infra")).ready
    assert (await reconciler.reconcile(namespace, "apps")).ready

    await kube.create(kustomization(namespace, "x", dependsOn=[{"name": "y"}]))
    await kube.create(kustomization(namespace, "y", dependsOn=[{"name": "x"}]))
    outcome = await reconciler.reconcile(namespace, "x")
    assert outcome.requeue_after is None
    status = await _status(kube, namespace, "x")
    stalled = conditions.get(status, conditions.STALLED)
    assert stalled is not None and stalled["status"] == "True"
    assert f"{namespace}/x -> {namespace}/y -> {namespace}/x" in stalled["message"]


async def test_suspend_and_substitution(kube: KubeClient, namespace: str, publish: Publish,
                                        reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", value="${GREETING:=hello}-${TARGET}")})
    await kube.create(kustomization(namespace, targetNamespace=namespace, suspend=True,
                                    postBuild={"substitute": {"TARGET": "world"}}))
    assert (await reconciler.reconcile(namespace, "apps")).message == "suspended"
    assert await kube.get_or_none("v1", "ConfigMap", "a", namespace) is None
    await kube.patch(ks_api.API_VERSION, ks_api.KIND, "apps", {"spec": {"suspend": False}},
                     namespace=namespace)
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert (await kube.get("v1", "ConfigMap", "a", namespace))["data"] == {
        "value": "hello-world"}


async def test_deletion_prunes_inventory(kube: KubeClient, namespace: str, publish: Publish,
                                         reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", value="1")})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    await kube.delete(ks_api.API_VERSION, ks_api.KIND, "apps", namespace=namespace)
    await reconciler.reconcile(namespace, "apps")
    assert await kube.get_or_none("v1", "ConfigMap", "a", namespace) is None
    assert await kube.get_or_none(ks_api.API_VERSION, ks_api.KIND, "apps", namespace) is None


async def test_object_from_failed_run_is_pruned_later(
        kube: KubeClient, namespace: str, publish: Publish,
        reconciler: KustomizationReconciler) -> None:
    bad_job = ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
               "    spec: {restartPolicy: Never, containers: [{name: c, image: x}]}\n"
               "  completions: -1\n")
    await publish({"a.yaml": CM.format(name="a", value="1"),
                   "orphan.yaml": CM.format(name="orphan", value="1"), "job.yaml": bad_job})
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    outcome = await reconciler.reconcile(namespace, "apps")
    assert not outcome.ready
    assert _ready(await _status(kube, namespace))["reason"] == "ReconciliationFailed"
    assert await kube.get_or_none("v1", "ConfigMap", "orphan", namespace) is not None
    await publish({"a.yaml": CM.format(name="a", value="1")})
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert await kube.get_or_none("v1", "ConfigMap", "orphan", namespace) is None


async def test_wait_timeout_blocks_dependents(kube: KubeClient, namespace: str,
                                              publish: Publish,
                                              reconciler: KustomizationReconciler) -> None:
    stuck = DEPLOY.format(name="stuck", extra="nodeSelector: {tether.test/none: 'x'}")
    await publish({"stuck.yaml": stuck.replace("progressDeadlineSeconds: 10",
                                               "progressDeadlineSeconds: 600")})
    await kube.create(kustomization(namespace, "infra", targetNamespace=namespace, wait=True,
                                    timeout="30s"))
    await kube.create(kustomization(namespace, "apps", targetNamespace=namespace,
                                    dependsOn=[{"name": "infra"}]))
    outcome = await reconciler.reconcile(namespace, "infra")
    assert not outcome.ready
    ready = _ready(await _status(kube, namespace, "infra"))
    assert ready["reason"] == "HealthCheckFailed"
    assert f"timeout waiting for: [Deployment/{namespace}/stuck status: 'InProgress'" in (
        ready["message"])
    await reconciler.reconcile(namespace, "apps")
    ready = _ready(await _status(kube, namespace, "apps"))
    assert ready["reason"] == "DependencyNotReady"
    assert "inventory" not in await _status(kube, namespace, "apps")  # nothing applied


@pytest.mark.parametrize(("policy", "prune", "kept"), [
    ("Orphan", True, True),
    ("MirrorPrune", False, True),
    ("Delete", False, False),
    ("WaitForTermination", True, False),
])
async def test_deletion_policies(kube: KubeClient, namespace: str, publish: Publish,
                                 reconciler: KustomizationReconciler, policy: str,
                                 prune: bool, kept: bool) -> None:
    await publish({"a.yaml": CM.format(name="a", value="1")})
    await kube.create(kustomization(namespace, targetNamespace=namespace, prune=prune,
                                    deletionPolicy=policy))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    await kube.delete(ks_api.API_VERSION, ks_api.KIND, "apps", namespace=namespace)
    assert (await reconciler.reconcile(namespace, "apps")).requeue_after is None
    assert await kube.get_or_none(ks_api.API_VERSION, ks_api.KIND, "apps", namespace) is None
    assert (await kube.get_or_none("v1", "ConfigMap", "a", namespace) is not None) is kept


async def test_unsupported_inputs_stall_with_a_clear_message(
        kube: KubeClient, namespace: str, publish: Publish,
        reconciler: KustomizationReconciler) -> None:
    await publish({"a.yaml": CM.format(name="a", value="1")})
    oci = kustomization(namespace, "oci")
    oci["spec"]["sourceRef"] = {"kind": "OCIRepository", "name": "repo"}
    await kube.create(oci)
    await kube.create(kustomization(namespace, "cel", dependsOn=[
        {"name": "oci", "readyExpr": "dep.status.ready"}]))
    for name, needle in (("oci", "OCIRepository sources are not supported yet"),
                         ("cel", "readyExpr: CEL expressions are not supported yet")):
        outcome = await reconciler.reconcile(namespace, name)
        assert outcome.requeue_after is None  # Stalled: retrying cannot help
        stalled = conditions.get(await _status(kube, namespace, name), conditions.STALLED)
        assert stalled is not None and stalled["status"] == "True"
        assert needle in stalled["message"]
