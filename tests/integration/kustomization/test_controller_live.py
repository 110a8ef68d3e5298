"""The Kustomization controller in the shared runtime on the real dev cluster: the seed's
dependsOn chain reaches Ready in order, and a new source revision is applied at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.helpers import eventually

from tether import conditions
from tether.api import kustomize as ks_api
from tether.cluster.client import KubeClient
from tether.controller import kustomization, runtime
from tether.controller.kustomization import KustomizationReconciler

from .conftest import Publish
from .conftest import kustomization as ks_object

pytestmark = pytest.mark.cluster

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: '{v}'\n"


@pytest.fixture
async def controller(kube: KubeClient, namespace: str,
                     reconciler: KustomizationReconciler) -> AsyncIterator[runtime.Manager]:
    manager = runtime.Manager(kube, namespace=namespace)
    kustomization.setup(manager, reconciler, concurrent=4)
    await manager.start()
    yield manager
    await manager.stop(grace=5)


async def _ready(kube: KubeClient, namespace: str, name: str) -> dict[str, Any] | None:
    obj = await kube.get(ks_api.API_VERSION, ks_api.KIND, name, namespace)
    cond = conditions.get(obj.get("status") or {}, conditions.READY)
    return obj if cond and cond["status"] == "True" else None


async def test_seed_chain_ready_in_order_and_follows_revisions(
        kube: KubeClient, namespace: str, publish: Publish,
        controller: runtime.Manager) -> None:
    files = {"infrastructure/controllers/kustomization.yaml": "resources: [c.yaml]\n",
             "infrastructure/controllers/c.yaml": CM.format(name="controllers", v=1),
             "infrastructure/configs/kustomization.yml": "resources: [c.yaml]\n",
             "infrastructure/configs/c.yaml": CM.format(name="configs", v=1),
             "apps/homelab/a.yaml": CM.format(name="app", v=1)}
    await publish(files)
    # Create the dependents first: order must come from dependsOn, not creation order.
    await kube.create(ks_object(namespace, "apps", path="./apps/homelab", wait=True,
                                targetNamespace=namespace, dependsOn=[{"name": "infra-configs"}]))
    await kube.create(ks_object(namespace, "infra-configs", path="./infrastructure/configs",
                                targetNamespace=namespace,
                                dependsOn=[{"name": "infra-controllers"}]))
    await kube.create(ks_object(namespace, "infra-controllers", wait=True,
                                path="./infrastructure/controllers", targetNamespace=namespace))
    ready_at: dict[str, str] = {}
    for name in ("infra-controllers", "infra-configs", "apps"):
        obj = await eventually(lambda n=name: _ready(kube, namespace, n), timeout=30,
                               what=f"{name} Ready")
        cond = conditions.get(obj["status"], conditions.READY) or {}
        ready_at[name] = str(cond["lastTransitionTime"])
    assert ready_at["infra-controllers"] <= ready_at["infra-configs"] <= ready_at["apps"]

    revision = await publish({**files, "apps/homelab/a.yaml": CM.format(name="app", v=2)})

    async def applied() -> bool:
        cm = await kube.get("v1", "ConfigMap", "app", namespace)
        return cm["data"] == {"v": "2"}

    await eventually(applied, timeout=30, what="the new revision applied")
    for name in ("infra-controllers", "infra-configs", "apps"):
        async def at_revision(n: str = name) -> bool:
            obj = await kube.get(ks_api.API_VERSION, ks_api.KIND, n, namespace)
            return (obj.get("status") or {}).get("lastAppliedRevision") == revision
        await eventually(at_revision, timeout=30, what=f"{name} at {revision}")
