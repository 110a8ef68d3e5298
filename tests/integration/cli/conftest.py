"""Fixtures for CLI tests on the real dev cluster: our CRDs installed, the CLI as a subprocess,
and a stand-in controller for the reconcile handshake.

The stand-in (:class:`Handshaker`) only does what the CLI relies on — it copies
``reconcile.fluxcd.io/requestedAt`` to ``status.lastHandledReconcileAt`` and sets Ready
through the real API server's status subresource — so the CLI's waits, lines and exit codes
are exercised end to end without depending on the whole reconcile pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tether.api import crd, kustomize, source
from tether.cli import kinds
from tether.cluster import ssa
from tether.cluster.client import KubeClient
from tether.devcluster import cluster

SHA = "67e2c98a60dc92283531412a9e604dd4bae005a9"
REVISION = f"main@sha1:{SHA}"


@dataclass
class Result:
    """A finished CLI run."""

    rc: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs ``python -m tether --kubeconfig K -n NS …`` without blocking the event loop."""

    kubeconfig: str
    namespace: str

    async def __call__(self, *args: str, timeout: float = 30, stdin: str = "") -> Result:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tether", "--kubeconfig", self.kubeconfig,
            "--context", cluster.CONTEXT, "-n", self.namespace, "--timeout", str(timeout),
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout + 30)
        assert proc.returncode is not None
        return Result(proc.returncode, out.decode(), err.decode())


@pytest.fixture(scope="session")
async def flux_crds(kube: KubeClient) -> None:
    """GitRepository and Kustomization CRDs, generated from the models, installed once."""
    await ssa.apply_all_staged(kube, [crd.manifest(source.CRD), crd.manifest(kustomize.CRD)],
                               opts=ssa.ApplyOptions(field_manager="tether"))


@pytest.fixture
async def cli(dev_cluster: cluster.ClusterStatus, flux_crds: None, namespace: str) -> Cli:
    """The CLI, scoped to the test's namespace."""
    return Cli(str(dev_cluster.kubeconfig), namespace)


@dataclass
class Handshaker:
    """Answers reconcile requests in one namespace: Ready=True, or False for ``failing``."""

    kube: KubeClient
    namespace: str
    failing: dict[str, str] = field(default_factory=dict)
    """name → Ready=False message."""
    blocked: dict[str, str] = field(default_factory=dict)
    """name → dependency name: Ready=False/DependencyNotReady until removed."""

    def _status(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        name = meta["name"]
        ok = name not in self.failing and name not in self.blocked
        if name in self.blocked:
            status = dict(obj.get("status") or {})
            status["conditions"] = [{
                "type": "Ready", "status": "False", "reason": "DependencyNotReady",
                "message": f"dependency '{self.namespace}/{self.blocked[name]}' is not ready",
                "observedGeneration": meta["generation"],
                "lastTransitionTime": "2026-01-01T00:00:00Z"}]
            status["observedGeneration"] = meta["generation"]
            token = (meta.get("annotations") or {}).get(kinds.REQUESTED_AT)
            if token:
                status["lastHandledReconcileAt"] = token
            return status
        message = (self.failing.get(name, "") if not ok else
                   f"stored artifact for revision '{REVISION}'" if obj["kind"] == "GitRepository"
                   else f"Applied revision: {REVISION}")
        status: dict[str, Any] = dict(obj.get("status") or {})
        status.update(observedGeneration=meta["generation"], conditions=[{
            "type": "Ready", "status": "True" if ok else "False",
            "reason": "Succeeded" if ok else "ArtifactFailed", "message": message,
            "observedGeneration": meta["generation"],
            "lastTransitionTime": "2026-01-01T00:00:00Z"}])
        token = (meta.get("annotations") or {}).get(kinds.REQUESTED_AT)
        if token:
            status["lastHandledReconcileAt"] = token
        if ok and obj["kind"] == "GitRepository":
            status["artifact"] = {"revision": REVISION, "path": "x", "url": "http://x/x",
                                  "digest": "sha256:" + "0" * 64, "size": 2048,
                                  "lastUpdateTime": "2026-01-01T00:00:00Z"}
        if ok and obj["kind"] == "Kustomization":
            status["lastAppliedRevision"] = REVISION
        return status

    def _pending(self, obj: dict[str, Any]) -> bool:
        meta, status = obj["metadata"], obj.get("status") or {}
        if (obj.get("spec") or {}).get("suspend"):
            return False
        token = (meta.get("annotations") or {}).get(kinds.REQUESTED_AT)
        ready = kinds.condition(obj, "Ready") or {}
        unblocked = (ready.get("reason") == "DependencyNotReady"
                     and meta["name"] not in self.blocked)
        return (status.get("observedGeneration") != meta["generation"] or unblocked
                or (token is not None and status.get("lastHandledReconcileAt") != token))

    async def step(self) -> None:
        """Answer every pending request once."""
        for kind in kinds.ALL:
            items, _ = await self.kube.list(kind.api_version, kind.kind,
                                            namespace=self.namespace)
            for obj in items:
                if self._pending(obj):
                    obj["status"] = self._status(obj)
                    await self.kube.replace(obj, subresource="status")

    async def run(self) -> None:
        """Loop until cancelled."""
        while True:
            with contextlib.suppress(Exception):
                await self.step()
            await asyncio.sleep(0.2)


@pytest.fixture
async def handshaker(kube: KubeClient, namespace: str) -> AsyncIterator[Handshaker]:
    """A running stand-in controller for the test's namespace."""
    hs = Handshaker(kube, namespace)
    task = asyncio.create_task(hs.run())
    yield hs
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
