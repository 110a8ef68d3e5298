"""The generated Kustomization CRD on the real API server: it installs, a full object is
accepted and reads back into the same model, and an invalid object is refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tether import errors
from tether.api import crd, kustomize
from tether.api.kustomize import Kustomization
from tether.cluster import ssa
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

SPEC: dict[str, Any] = {
    "interval": "10m", "timeout": "5m", "prune": True, "wait": True, "force": True,
    "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
    "dependsOn": [{"name": "infra"}],
    "postBuild": {"substitute": {"A": "b"},
                  "substituteFrom": [{"kind": "Secret", "name": "s", "optional": True}]},
    "patches": [{"patch": "x", "target": {"kind": "Deployment"}}],
    "healthChecks": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "w"}],
}


async def test_generated_crd_accepts_and_returns_the_model(kube: KubeClient,
                                                           namespace: str) -> None:
    await ssa.apply_all_staged(kube, [crd.manifest(kustomize.CRD)],
                               opts=ssa.ApplyOptions(field_manager="tether"))
    obj = {"apiVersion": kustomize.API_VERSION, "kind": kustomize.KIND,
           "metadata": {"name": "apps", "namespace": namespace}, "spec": copy.deepcopy(SPEC)}
    live = await kube.create(obj)
    model = Kustomization.from_dict(live)
    assert model.to_dict()["spec"] == SPEC
    bad = {**obj, "metadata": {"name": "bad", "namespace": namespace},
           "spec": {**SPEC, "deletionPolicy": "Never"}}
    with pytest.raises(errors.ClusterError, match="deletionPolicy"):
        await kube.create(bad)
