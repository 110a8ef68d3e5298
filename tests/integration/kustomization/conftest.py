"""Fixtures for Kustomization reconciler tests on the real dev cluster.

``artifacts`` is a real HTTP artifact server on loopback (aiohttp) serving tarballs packed by
``tether.source.artifact.pack``; ``publish`` turns a dict of files into a GitRepository whose
``status.artifact`` points at it (no source controller needed). ``reconciler`` is a real
``KustomizationReconciler`` building with Tether's native kustomize engine.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tether.api import kustomize as ks_api
from tether.api import source as source_api
from tether.cluster.client import KubeClient
from tether.controller import crds, render
from tether.controller.kustomization import KustomizationReconciler, ReconcilerSettings
from tether.source import artifact

Publish = Callable[..., Awaitable[str]]


class ArtifactServer:
    """Serves published tarballs at ``/<name>.tar.gz``."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        blob = self.blobs.get(request.match_info["name"])
        if blob is None:
            return web.Response(status=404)
        return web.Response(body=blob, content_type="application/gzip")


@pytest.fixture(scope="session")
async def artifacts() -> AsyncIterator[ArtifactServer]:
    server = ArtifactServer()
    app = web.Application()
    app.router.add_get("/{name}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base = f"http://{host}:{port}"
    yield server
    await runner.cleanup()


@pytest.fixture(scope="session")
async def crds_installed(kube: KubeClient) -> None:
    await crds.install(kube, [source_api.CRD, ks_api.CRD])


@pytest.fixture
async def publish(kube: KubeClient, artifacts: ArtifactServer, crds_installed: None,
                  namespace: str) -> Publish:
    """``await publish(files, name="repo")`` → the revision now served for GitRepository."""

    async def _publish(files: dict[str, str], *, name: str = "repo") -> str:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for rel, text in files.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
            buf = io.BytesIO()
            packed = artifact.pack(root, sorted(files), buf)
        blob_name = f"{uuid.uuid4().hex}.tar.gz"
        artifacts.blobs[blob_name] = buf.getvalue()
        revision = f"main@sha1:{packed.digest[7:47]}"
        repo = {"apiVersion": source_api.API_VERSION, "kind": "GitRepository",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"url": "http://127.0.0.1/unused.git", "interval": "1h"}}
        if await kube.get_or_none(source_api.API_VERSION, "GitRepository", name,
                                  namespace) is None:
            await kube.create(repo)
        status = {"artifact": {"path": blob_name, "url": f"{artifacts.base}/{blob_name}",
                               "revision": revision, "digest": packed.digest,
                               "lastUpdateTime": "2026-11-23T20:00:00Z"}}
        await kube.patch(source_api.API_VERSION, "GitRepository", name, {"status": status},
                         namespace=namespace, subresource="status")
        return revision

    return _publish


@pytest.fixture
async def reconciler(kube: KubeClient, dev_cluster: Any) -> AsyncIterator[
        KustomizationReconciler]:
    rec = KustomizationReconciler(
        kube, build=render.native_build,
        settings=ReconcilerSettings(kubeconfig_path=dev_cluster.kubeconfig,
                                    requeue_dependency=1.0, health_interval=0.5))
    yield rec
    await rec.close()


def kustomization(namespace: str, name: str = "apps", **spec: Any) -> dict[str, Any]:
    """A Kustomization object reading GitRepository ``repo`` in ``namespace``."""
    base: dict[str, Any] = {"interval": "10m", "prune": True, "timeout": "1m",
                            "sourceRef": {"kind": "GitRepository", "name": "repo"}}
    return {"apiVersion": ks_api.API_VERSION, "kind": ks_api.KIND,
            "metadata": {"name": name, "namespace": namespace}, "spec": {**base, **spec}}
