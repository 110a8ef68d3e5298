"""Acceptance: the seed's monorepo, pushed to a loopback git server, reconciles to Ready in
dependsOn order inside ``tether controller run``'s process (GitRepository + Kustomization
controllers in one Daemon); a file removed from Git is pruned; deleting the root
Kustomization garbage-collects everything through the finalizers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.gitserver import GitHTTPServer, Repo
from tests.helpers import eventually

import tether.demo
from tether import conditions
from tether.api import kustomize as ks_api
from tether.api import source as source_api
from tether.cluster.client import KubeClient
from tether.controller import daemon, kustomization

pytestmark = pytest.mark.cluster

EXAMPLE = Path(tether.demo.__file__).parent / "example"
ORDER = ("infra-controllers", "infra-configs", "apps")


def _seed_files(ns: str) -> dict[str, str | bytes | None]:
    """The example monorepo, with its namespaces made unique to this test."""
    files: dict[str, str | bytes | None] = {}
    for path in sorted(EXAMPLE.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        text = text.replace("namespace: flux-system", f"namespace: {ns}")
        text = text.replace("namespace: ingress\n", f"namespace: {ns}-ingress\n")
        text = text.replace("  name: ingress\n", f"  name: {ns}-ingress\n")
        text = text.replace("namespace: hello\n", f"namespace: {ns}-hello\n")
        if path.name == "namespace.yaml":
            text = text.replace("  name: hello\n", f"  name: {ns}-hello\n")
        files[path.relative_to(EXAMPLE).as_posix()] = text
    return files


@pytest.fixture
async def running(kube: KubeClient, namespace: str, crds_installed: None,
                  tmp_path: Path) -> AsyncIterator[daemon.Daemon]:
    settings = daemon.Settings(
        storage_path=tmp_path / "storage", storage_addr="127.0.0.1:0",
        health_addr="127.0.0.1:0", metrics_addr="127.0.0.1:0", namespace=namespace,
        concurrent=4, grace=5.0)
    stop = asyncio.Event()
    run = daemon.Daemon(kube, settings, setups=[kustomization.setup_daemon])
    await run.startup()
    task = asyncio.create_task(run.main_loop(stop))
    yield run
    stop.set()
    await task
    await run.shutdown()


async def _ready(kube: KubeClient, namespace: str, name: str) -> dict[str, Any] | None:
    obj = await kube.get_or_none(ks_api.API_VERSION, ks_api.KIND, name, namespace)
    cond = conditions.get((obj or {}).get("status") or {}, conditions.READY)
    return obj if obj and cond and cond["status"] == "True" else None


async def test_seed_monorepo_end_to_end(kube: KubeClient, namespace: str, tmp_path: Path,
                                        running: daemon.Daemon) -> None:
    repo = Repo.create(tmp_path / "git", "homelab")
    repo.commit(_seed_files(namespace), message="seed")
    with GitHTTPServer(tmp_path / "git") as server:
        await kube.create({"apiVersion": source_api.API_VERSION, "kind": "GitRepository",
                           "metadata": {"name": "flux-system", "namespace": namespace},
                           "spec": {"url": server.url("homelab"), "interval": "1m",
                                    "ref": {"branch": "main"}}})
        await kube.create({"apiVersion": ks_api.API_VERSION, "kind": ks_api.KIND,
                           "metadata": {"name": "flux-system", "namespace": namespace},
                           "spec": {"interval": "10m", "path": "./clusters/homelab",
                                    "prune": True,
                                    "sourceRef": {"kind": "GitRepository",
                                                  "name": "flux-system"}}})
        times = {}
        for name in ("flux-system", *ORDER):
            obj = await eventually(lambda n=name: _ready(kube, namespace, n), timeout=120,
                                   interval=0.5, what=f"Kustomization {name} Ready")
            times[name] = (conditions.get(obj["status"], conditions.READY) or {})[
                "lastTransitionTime"]
        assert times["infra-controllers"] <= times["infra-configs"] <= times["apps"]
        deploy = await kube.get("apps/v1", "Deployment", "hello", f"{namespace}-hello")
        assert deploy["spec"]["replicas"] == 2
        assert deploy["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":6.7.1")

        # Remove the Service from Git: the apps Kustomization prunes it.
        files = _seed_files(namespace)
        files["apps/base/service.yaml"] = None
        files["apps/base/kustomization.yml"] = str(files["apps/base/kustomization.yml"]).replace(
            "  - service.yaml\n", "")
        repo.commit(files, message="drop service")
        await kube.patch(source_api.API_VERSION, "GitRepository", "flux-system",
                         {"metadata": {"annotations": {
                             "reconcile.fluxcd.io/requestedAt": "now"}}},
                         namespace=namespace)

        async def service_gone() -> bool:
            return await kube.get_or_none("v1", "Service", "hello",
                                          f"{namespace}-hello") is None

        await eventually(service_gone, timeout=60, interval=0.5, what="Service pruned")

        # Deleting the root Kustomization prunes its children, whose finalizers prune theirs.
        await kube.delete(ks_api.API_VERSION, ks_api.KIND, "flux-system", namespace=namespace)

        async def all_gone() -> bool:
            items, _ = await kube.list(ks_api.API_VERSION, ks_api.KIND, namespace=namespace)
            return not items

        await eventually(all_gone, timeout=90, interval=0.5, what="Kustomizations deleted")
        assert await kube.get_or_none("apps/v1", "Deployment", "hello",
                                      f"{namespace}-hello") is None
