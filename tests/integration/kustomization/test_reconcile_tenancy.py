"""Tenancy and targets through the reconciler on the real dev cluster: serviceAccountName
impersonation is enforced by RBAC, and kubeConfig.secretRef applies through that kubeconfig."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tether import conditions
from tether.api import kustomize as ks_api
from tether.cluster.client import KubeClient
from tether.controller.kustomization import KustomizationReconciler

from .conftest import Publish, kustomization

pytestmark = pytest.mark.cluster

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: '1'\n"
SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n  v: '1'\n"


async def _grant_configmaps(kube: KubeClient, namespace: str, account: str) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": account, "namespace": namespace}})
    await kube.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                       "metadata": {"name": account, "namespace": namespace},
                       "rules": [{"apiGroups": [""], "resources": ["configmaps"],
                                  "verbs": ["*"]}]})
    await kube.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                       "metadata": {"name": account, "namespace": namespace},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                   "name": account},
                       "subjects": [{"kind": "ServiceAccount", "name": account,
                                     "namespace": namespace}]})


def _ready(obj: dict[str, Any]) -> dict[str, Any]:
    return conditions.get(obj.get("status") or {}, conditions.READY) or {}


async def test_service_account_impersonation(kube: KubeClient, namespace: str,
                                             publish: Publish,
                                             reconciler: KustomizationReconciler) -> None:
    await _grant_configmaps(kube, namespace, "tenant")
    await publish({"cm.yaml": CM.format(name="allowed")})
    await kube.create(kustomization(namespace, targetNamespace=namespace,
                                    serviceAccountName="tenant"))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert await kube.get_or_none("v1", "ConfigMap", "allowed", namespace) is not None

    await publish({"cm.yaml": CM.format(name="allowed"), "s.yaml": SECRET.format(name="nope")})
    outcome = await reconciler.reconcile(namespace, "apps")
    assert not outcome.ready
    ready = _ready(await kube.get(ks_api.API_VERSION, ks_api.KIND, "apps", namespace))
    assert ready["reason"] == "ReconciliationFailed"
    assert f"Secret/{namespace}/nope" in ready["message"]
    assert "forbidden" in ready["message"]
    assert await kube.get_or_none("v1", "Secret", "nope", namespace) is None


async def test_kubeconfig_secret_ref(kube: KubeClient, namespace: str, publish: Publish,
                                     reconciler: KustomizationReconciler,
                                     dev_cluster: Any) -> None:
    config = Path(dev_cluster.kubeconfig).read_bytes()
    await kube.create({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "remote", "namespace": namespace},
                       "data": {"value": base64.b64encode(config).decode()}})
    await publish({"cm.yaml": CM.format(name="remote-cm")})
    await kube.create(kustomization(namespace, targetNamespace=namespace,
                                    kubeConfig={"secretRef": {"name": "remote"}}))
    assert (await reconciler.reconcile(namespace, "apps")).ready
    assert await kube.get_or_none("v1", "ConfigMap", "remote-cm", namespace) is not None
    await kube.create(kustomization(namespace, "bad", targetNamespace=namespace,
                                    kubeConfig={"secretRef": {"name": "missing"}}))
    outcome = await reconciler.reconcile(namespace, "bad")
    assert not outcome.ready
    assert "missing" in outcome.message
    assert outcome.requeue_after == 600  # retried: creating the Secret later fixes it
