"""``tether check`` (full) on the real dev cluster: a controller Deployment becomes ready."""

from __future__ import annotations

import pytest
from tests.helpers import eventually
from tests.integration.cli.conftest import Cli, Result

from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster


async def test_full_check_passes_once_the_controller_is_ready(cli: Cli,
                                                              kube: KubeClient) -> None:
    r = await cli("check")
    assert r.rc == 1
    assert "✗ no controller Deployments (app.kubernetes.io/part-of=flux)" in r.out
    assert r.out.splitlines()[-1] == "✗ check failed"
    labels = {"app": "tether-controller", "app.kubernetes.io/part-of": "flux"}
    await kube.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "tether-controller", "namespace": cli.namespace, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "tether-controller"}},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": "manager", "image": "example.com/tether:test"}]}}}})

    async def passed() -> Result | None:
        result = await cli("check")
        return result if result.rc == 0 else None

    r = await eventually(passed, timeout=60, interval=1, what="tether check to pass")
    assert r.out.splitlines()[3:] == [
        "► checking controllers", "✔ tether-controller: deployment ready",
        "► example.com/tether:test", "► checking crds",
        "✔ gitrepositories.source.toolkit.fluxcd.io/v1",
        "✔ kustomizations.kustomize.toolkit.fluxcd.io/v1", "✔ all checks passed"]
    pre = await cli("check", "--pre")
    assert pre.out.splitlines()[-1] == "✔ prerequisites checks passed"
