"""``tether install`` / ``uninstall`` on the dev cluster (real apiserver; kwok runs the pods).

Each test installs into its own fresh namespace. Uninstall is exercised through the library
with ``delete_crds=False`` and ``all_namespaces=False``: the CRDs are shared by every test
running on the cluster, and Flux's uninstall (CLI default) would remove them for everyone.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from tests.helpers import eventually

from tether import errors
from tether.bootstrap import components, install, report
from tether.cluster.client import KubeClient
from tether.devcluster import cluster

pytestmark = pytest.mark.cluster


def _tether(status: cluster.ClusterStatus, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tether", "--kubeconfig", status.kubeconfig, "--context",
         cluster.CONTEXT, "--timeout", "120", *args],
        capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
async def fresh_ns(kube: KubeClient) -> AsyncIterator[str]:
    """A namespace name that does not exist yet (install creates it); removed afterwards."""
    name = f"tb-{uuid.uuid4().hex[:8]}"
    yield name
    for binding in (f"cluster-reconciler-{name}", f"crd-controller-{name}"):
        await kube.delete("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", binding)
    await kube.delete("rbac.authorization.k8s.io/v1", "ClusterRole", f"crd-controller-{name}")
    await kube.delete("v1", "Namespace", name)


async def test_install_cli_applies_and_waits(dev_cluster: cluster.ClusterStatus,
                                             kube: KubeClient, fresh_ns: str) -> None:
    result = _tether(dev_cluster, "install", "--namespace", fresh_ns)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "✚ generating manifests"
    assert f"► installing components in {fresh_ns} namespace" in lines
    assert f"Deployment/{fresh_ns}/tether-controller created" in lines
    assert "◎ verifying installation" in lines
    assert "✔ tether-controller: deployment ready" in lines
    assert lines[-1] == "✔ install finished"
    deploy = await kube.get("apps/v1", "Deployment", "tether-controller", fresh_ns)
    assert deploy["metadata"]["labels"]["app.kubernetes.io/part-of"] == "flux"
    svc = await kube.get("v1", "Service", "source-controller", fresh_ns)
    assert svc["spec"]["ports"][0]["port"] == 80

    again = _tether(dev_cluster, "install", "--namespace", fresh_ns)
    assert again.returncode == 0, again.stderr
    assert f"Deployment/{fresh_ns}/tether-controller unchanged" in again.stdout.splitlines()


def test_install_export_prints_yaml_only(dev_cluster: cluster.ClusterStatus) -> None:
    result = _tether(dev_cluster, "install", "--export", "--namespace", "elsewhere")
    assert result.returncode == 0, result.stderr
    opts = components.InstallOptions(namespace="elsewhere")
    assert result.stdout == components.render(components.generate(opts),
                                              banner=components.header(opts))


async def test_uninstall_strips_finalizers_and_keeps_workloads(
        kube: KubeClient, fresh_ns: str, namespace: str) -> None:
    await install.install(kube, components.InstallOptions(namespace=fresh_ns), timeout=120,
                          reporter=report.Recorder())
    finalizer = ["finalizers.fluxcd.io"]
    await kube.create({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                       "metadata": {"name": "app", "namespace": fresh_ns,
                                    "finalizers": finalizer},
                       "spec": {"url": "http://127.0.0.1:9/x.git", "interval": "1m",
                                "suspend": True}})
    await kube.create({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                       "metadata": {"name": "app", "namespace": fresh_ns,
                                    "finalizers": finalizer},
                       "spec": {"interval": "10m", "prune": True, "suspend": True,
                                "sourceRef": {"kind": "GitRepository", "name": "app"}}})
    # A workload the Kustomization "applied", elsewhere: uninstall must leave it.
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "workload", "namespace": namespace},
                       "data": {"k": "v"}})
    rec = report.Recorder()
    await install.uninstall(kube, install.UninstallOptions(
        namespace=fresh_ns, delete_crds=False, all_namespaces=False), reporter=rec)
    assert f"✔ GitRepository/{fresh_ns}/app finalizers deleted" in rec.lines
    assert f"✔ Kustomization/{fresh_ns}/app finalizers deleted" in rec.lines
    assert f"✔ Deployment/{fresh_ns}/tether-controller deleted" in rec.lines
    assert f"✔ Namespace/{fresh_ns} deleted" in rec.lines
    assert rec.lines[-1] == "✔ uninstall finished"

    async def namespace_gone() -> bool:
        return await kube.get_or_none("v1", "Namespace", fresh_ns) is None

    await eventually(namespace_gone, timeout=60, what=f"namespace {fresh_ns} deleted")
    assert await kube.get_or_none("v1", "ConfigMap", "workload", namespace) is not None
    assert await kube.get_or_none("rbac.authorization.k8s.io/v1", "ClusterRoleBinding",
                                  f"cluster-reconciler-{fresh_ns}") is None


async def test_uninstall_dry_run_deletes_nothing(kube: KubeClient, fresh_ns: str) -> None:
    await install.install(kube, components.InstallOptions(namespace=fresh_ns), timeout=120,
                          reporter=report.Recorder())
    rec = report.Recorder()
    await install.uninstall(kube, install.UninstallOptions(
        namespace=fresh_ns, dry_run=True, all_namespaces=False), reporter=rec)
    assert f"✔ Deployment/{fresh_ns}/tether-controller deleted (dry run)" in rec.lines
    assert ("✔ CustomResourceDefinition/kustomizations.kustomize.toolkit.fluxcd.io "
            "deleted (dry run)") in rec.lines
    assert rec.lines[-1] == "✔ uninstall finished (dry run)"
    assert await kube.get_or_none("apps/v1", "Deployment", "tether-controller", fresh_ns)
    assert await kube.get_or_none("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                                  "kustomizations.kustomize.toolkit.fluxcd.io")


async def test_wait_ready_times_out_with_the_ready_message(kube: KubeClient,
                                                           namespace: str) -> None:
    await install.apply_components(
        kube, components.generate(components.InstallOptions(namespace=namespace))[:2],
        timeout=60)
    await kube.create({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                       "metadata": {"name": "flux-system", "namespace": namespace},
                       "spec": {"url": "http://127.0.0.1:9/x.git", "interval": "1m",
                                "suspend": True}})
    with pytest.raises(errors.HealthCheckError) as info:
        await install.wait_ready(kube, api_version="source.toolkit.fluxcd.io/v1",
                                 kind="GitRepository", name="flux-system",
                                 namespace=namespace, timeout=1.5, interval=0.5)
    assert info.value.one_line() == (
        f"timeout waiting for GitRepository {namespace}/flux-system to be ready after 2s: "
        f"waiting to be reconciled")


async def test_wait_ready_fails_at_once_when_stalled(kube: KubeClient, namespace: str) -> None:
    obj = await kube.create({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "stalled", "namespace": namespace},
        "spec": {"url": "http://127.0.0.1:9/x.git", "interval": "1m", "suspend": True}})
    now = "2026-01-01T00:00:00Z"
    obj["status"] = {"observedGeneration": obj["metadata"]["generation"], "conditions": [
        {"type": "Ready", "status": "False", "reason": "InvalidSpec", "message": "bad url",
         "lastTransitionTime": now, "observedGeneration": obj["metadata"]["generation"]},
        {"type": "Stalled", "status": "True", "reason": "InvalidSpec", "message": "bad url",
         "lastTransitionTime": now, "observedGeneration": obj["metadata"]["generation"]}]}
    await kube.replace(obj, subresource="status")
    with pytest.raises(errors.HealthCheckError) as info:
        await install.wait_ready(kube, api_version="source.toolkit.fluxcd.io/v1",
                                 kind="GitRepository", name="stalled", namespace=namespace,
                                 timeout=60, interval=0.2)
    assert info.value.one_line() == f"GitRepository {namespace}/stalled is stalled: bad url"


async def test_uninstall_cli_dry_run(dev_cluster: cluster.ClusterStatus, kube: KubeClient,
                                     fresh_ns: str) -> None:
    await install.install(kube, components.InstallOptions(namespace=fresh_ns), timeout=120,
                          reporter=report.Recorder())
    result = _tether(dev_cluster, "uninstall", "--dry-run", "--namespace", fresh_ns)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "► deleting toolkit.fluxcd.io finalizers in all namespaces"
    assert f"► deleting components in {fresh_ns} namespace" in lines
    assert f"✔ NetworkPolicy/{fresh_ns}/allow-egress deleted (dry run)" in lines
    assert f"✔ Namespace/{fresh_ns} deleted (dry run)" in lines
    assert lines[-1] == "✔ uninstall finished (dry run)"
    assert await kube.get_or_none("v1", "Namespace", fresh_ns) is not None
    assert await kube.get_or_none("apps/v1", "Deployment", "tether-controller", fresh_ns)
