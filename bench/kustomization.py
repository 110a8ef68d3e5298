#!/usr/bin/env python3
"""Benchmark: the Kustomization controller on the dev cluster (issue 5).

Job: (1) N Kustomizations of 4 objects each (flux-benchmark's mix: a Deployment scaled to
zero, a ServiceAccount, a Service, an Ingress; ``wait: true``, ``prune: true``) — time from
creation to all Ready, and the controller process's peak RSS; (2) the no-op reconcile time
of one 1,000-object Kustomization (second run, nothing drifted).

Design decision: a script, not a timed test (timings depend on the machine). It runs the
real reconciler inside the shared controller runtime in this process (as
``tether controller run`` does), against the running dev cluster, with a loopback artifact
server standing in for the source controller, so only the Kustomization path is measured.

Usage: ``.venv/bin/python bench/kustomization.py [--n 10,100] [--objects 1000]
[--concurrent 4] [--kubeconfig PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tether import conditions  # noqa: E402
from tether.api import kustomize as ks_api  # noqa: E402
from tether.api import source as source_api  # noqa: E402
from tether.cluster.client import KubeClient  # noqa: E402
from tether.controller import crds, kustomization, render, runtime  # noqa: E402
from tether.source import artifact  # noqa: E402

APP = """apiVersion: v1
kind: ServiceAccount
metadata: {{name: app{i}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}}}
spec:
  replicas: 0
  selector: {{matchLabels: {{app: app{i}}}}}
  template:
    metadata: {{labels: {{app: app{i}}}}}
    spec:
      serviceAccountName: app{i}
      containers: [{{name: app, image: "nginx:1.27"}}]
---
apiVersion: v1
kind: Service
metadata: {{name: app{i}}}
spec:
  selector: {{app: app{i}}}
  ports: [{{port: 80}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: app{i}}}
spec:
  rules:
  - host: app{i}.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {{service: {{name: app{i}, port: {{number: 80}}}}}}
"""


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Artifacts:
    """A loopback HTTP server for artifact tarballs."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            blob = self.blobs.get(request.match_info["name"])
            return web.Response(status=404) if blob is None else web.Response(body=blob)

        app = web.Application()
        app.router.add_get("/{name}", handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def publish(self, kube: KubeClient, namespace: str, files: dict[str, str]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for rel, text in files.items():
                (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / rel).write_text(text)
            buf = io.BytesIO()
            packed = artifact.pack(Path(tmp), sorted(files), buf)
        name = f"{uuid.uuid4().hex}.tar.gz"
        self.blobs[name] = buf.getvalue()
        await kube.create({"apiVersion": source_api.API_VERSION, "kind": "GitRepository",
                           "metadata": {"name": "repo", "namespace": namespace},
                           "spec": {"url": "http://127.0.0.1/unused.git", "interval": "1h"}})
        status = {"artifact": {"path": name, "url": f"{self.base}/{name}",
                               "revision": f"main@sha1:{packed.digest[7:47]}",
                               "digest": packed.digest,
                               "lastUpdateTime": "2026-11-23T00:00:00Z"}}
        await kube.patch(source_api.API_VERSION, "GitRepository", "repo", {"status": status},
                         namespace=namespace, subresource="status")


def _ks(namespace: str, name: str, path: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": ks_api.API_VERSION, "kind": ks_api.KIND,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"interval": "60m", "prune": True, "timeout": "1m", "path": path,
                     "targetNamespace": namespace,
                     "sourceRef": {"kind": "GitRepository", "name": "repo"}, **spec}}


async def _count_ready(kube: KubeClient, namespace: str) -> int:
    items, _ = await kube.list(ks_api.API_VERSION, ks_api.KIND, namespace=namespace)
    return sum(1 for o in items if conditions.is_true(o.get("status") or {}, conditions.READY))


async def _cleanup(kube: KubeClient, namespace: str) -> None:
    items, _ = await kube.list(ks_api.API_VERSION, ks_api.KIND, namespace=namespace)
    for obj in items:
        await kube.delete(ks_api.API_VERSION, ks_api.KIND, obj["metadata"]["name"],
                          namespace=namespace)
    deadline = time.monotonic() + 120
    while (await kube.list(ks_api.API_VERSION, ks_api.KIND, namespace=namespace))[0]:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await kube.delete("v1", "Namespace", namespace)


async def bench_many(kube: KubeClient, arts: Artifacts, *, n: int, concurrent: int) -> str:
    namespace = f"bench-ks-{uuid.uuid4().hex[:6]}"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    await arts.publish(kube, namespace, {f"app{i}/app.yaml": APP.format(i=i) for i in range(n)})
    manager = runtime.Manager(kube, namespace=namespace)
    reconciler = kustomization.KustomizationReconciler(kube, build=render.native_build)
    kustomization.setup(manager, reconciler, concurrent=concurrent)
    await manager.start()
    try:
        started = time.monotonic()
        for i in range(n):
            await kube.create(_ks(namespace, f"app{i}", f"./app{i}", wait=True))
        while await _count_ready(kube, namespace) < n:
            if time.monotonic() - started > 600:
                raise SystemExit(f"N={n}: not all Ready after 600s")
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - started
        line = (f"N={n:4d} Kustomizations x 4 objects: all Ready in {elapsed:6.2f}s "
                f"(concurrent={concurrent}), peak RSS {_rss_mib():.0f} MiB")
        await _cleanup(kube, namespace)
    finally:
        await manager.stop(grace=5)
        await reconciler.close()
    return line


async def bench_noop(kube: KubeClient, arts: Artifacts, *, objects: int) -> str:
    namespace = f"bench-noop-{uuid.uuid4().hex[:6]}"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    files = {f"cm/c{i:05d}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "
                                  f"c{i:05d}\ndata:\n  i: '{i}'\n" for i in range(objects)}
    await arts.publish(kube, namespace, files)
    reconciler = kustomization.KustomizationReconciler(kube, build=render.native_build)
    await kube.create(_ks(namespace, "big", "./cm"))
    try:
        started = time.monotonic()
        first = await reconciler.reconcile(namespace, "big")
        first_time = time.monotonic() - started
        times = []
        for _ in range(3):
            started = time.monotonic()
            outcome = await reconciler.reconcile(namespace, "big")
            times.append(time.monotonic() - started)
        assert first.ready and outcome.ready, outcome.message
        line = (f"1 Kustomization x {objects} ConfigMaps: first apply {first_time:.2f}s, "
                f"no-op reconcile best {min(times):.2f}s / median {sorted(times)[1]:.2f}s")
        manager = runtime.Manager(kube, namespace=namespace)
        kustomization.setup(manager, reconciler)
        await manager.start()
        await _cleanup(kube, namespace)
        await manager.stop(grace=5)
    finally:
        await reconciler.close()
    return line


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="10,100")
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--kubeconfig",
                        default=str(Path.home() / ".local/state/tether/dev-cluster/kubeconfig"))
    args = parser.parse_args()
    kube = KubeClient.connect(kubeconfig_path=args.kubeconfig)
    arts = Artifacts()
    await arts.start()
    try:
        await crds.install(kube, [source_api.CRD, ks_api.CRD])
        for n in (int(x) for x in args.n.split(",") if x):
            print(await bench_many(kube, arts, n=n, concurrent=args.concurrent), flush=True)
        if args.objects:
            print(await bench_noop(kube, arts, objects=args.objects), flush=True)
    finally:
        await arts.stop()
        await kube.close()


if __name__ == "__main__":
    asyncio.run(main())
