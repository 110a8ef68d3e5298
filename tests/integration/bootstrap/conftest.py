"""Fixtures of the bootstrap integration tests: a bootstrap namespace and a local controller.

``boot_ns`` names a namespace that bootstrap creates and that is uninstalled afterwards
through the library, CRDs kept (they are shared by the whole suite). ``controller`` runs
``tether controller run`` as a local process restricted to that namespace (kwok pods are
fake, so the in-cluster Deployment only becomes Available; this process does the work, with
its artifact server on loopback).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tests.integration.bootstrap.harness import free_port

from tether.bootstrap import install, report
from tether.cluster.client import KubeClient
from tether.devcluster import cluster


@pytest.fixture
async def boot_ns(kube: KubeClient) -> AsyncIterator[str]:
    """The bootstrap namespace; uninstalled (CRDs kept) afterwards."""
    name = f"tb-{uuid.uuid4().hex[:8]}"
    yield name
    await install.uninstall(kube, install.UninstallOptions(
        namespace=name, delete_crds=False, all_namespaces=False), reporter=report.Recorder())


@pytest.fixture
def controller(dev_cluster: cluster.ClusterStatus, boot_ns: str,
               tmp_path: Path) -> Iterator[Path]:
    """``tether controller run`` for ``boot_ns`` only, as a local process; yields its log."""
    port = free_port()
    log = tmp_path / "controller.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tether", "--kubeconfig", dev_cluster.kubeconfig,
             "--context", cluster.CONTEXT, "--namespace", boot_ns, "controller", "run",
             "--watch-namespace-only", "--log-encoding=console",
             "--storage-path", str(tmp_path / "storage"),
             "--storage-addr", f"127.0.0.1:{port}", "--storage-adv-addr", f"127.0.0.1:{port}",
             "--health-addr", f"127.0.0.1:{free_port()}",
             "--metrics-addr", f"127.0.0.1:{free_port()}"],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
