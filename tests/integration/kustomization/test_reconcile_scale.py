"""Scale guard: a no-op reconcile of a 1,000-object Kustomization writes nothing and is fast."""

from __future__ import annotations

import time

import pytest

from tether.cluster.client import KubeClient
from tether.controller.kustomization import KustomizationReconciler

from .conftest import Publish, kustomization

pytestmark = pytest.mark.cluster

N = 1000


async def test_noop_reconcile_of_1000_objects(kube: KubeClient, namespace: str,
                                              publish: Publish,
                                              reconciler: KustomizationReconciler) -> None:
    files = {f"cm-{i:04d}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                 f"  name: cm-{i:04d}\ndata:\n  i: '{i}'\n" for i in range(N)}
    await publish(files)
    await kube.create(kustomization(namespace, targetNamespace=namespace))
    started = time.monotonic()
    assert (await reconciler.reconcile(namespace, "apps")).ready
    first = time.monotonic() - started
    _, rv_before = await kube.list("v1", "ConfigMap", namespace=namespace)
    started = time.monotonic()
    outcome = await reconciler.reconcile(namespace, "apps")
    noop = time.monotonic() - started
    assert outcome.ready, outcome.message
    items, _ = await kube.list("v1", "ConfigMap", namespace=namespace)
    changed = [o for o in items if int(o["metadata"]["resourceVersion"]) > int(rv_before)]
    assert changed == []
    print(f"\n1000-object Kustomization: first apply {first:.2f}s, no-op reconcile {noop:.2f}s")
    assert noop < 15.0
