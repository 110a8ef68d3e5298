"""Fixtures for the whole suite.

Integration tests run against the REAL dev cluster (kube-apiserver, etcd, controller-manager,
scheduler, kwok): ``dev_cluster`` brings it up once per session (reusing a running one),
``kube`` is a connected client, ``namespace`` gives each test a fresh namespace.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tether.cluster import client
from tether.devcluster import cluster

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def dev_cluster() -> Iterator[cluster.ClusterStatus]:
    """The dev cluster, once per session: a running one is reused and left running; one
    started here is stopped at the end, so a test run leaves no process behind."""
    layout = cluster.Layout(
        Path(os.environ["TETHER_DEV_CLUSTER_DIR"]) if os.environ.get("TETHER_DEV_CLUSTER_DIR")
        else cluster.default_state_dir()
    )
    was_running = cluster.status(layout).healthy
    yield cluster.up(layout, progress=lambda line: None)
    if not was_running:
        cluster.down(layout)


@pytest.fixture(scope="session")
async def kube(dev_cluster: cluster.ClusterStatus) -> AsyncIterator[client.KubeClient]:
    """A KubeClient connected to the dev cluster."""
    kube = client.KubeClient.connect(kubeconfig_path=dev_cluster.kubeconfig,
                                     context=cluster.CONTEXT)
    yield kube
    await kube.close()


@pytest.fixture
async def namespace(kube: client.KubeClient) -> AsyncIterator[str]:
    """A fresh namespace for one test, deleted (without waiting) afterwards."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    await kube.delete("v1", "Namespace", name)
