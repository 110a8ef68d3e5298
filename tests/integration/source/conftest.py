"""Fixtures for the source suite: CRDs installed once, a controller per test namespace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tether.api import source
from tether.cluster import client
from tether.controller import crds, daemon


@pytest.fixture(scope="session")
async def source_crds(kube: client.KubeClient) -> None:
    """The GitRepository CRD, generated from the model, installed once per session."""
    await crds.install(kube, [source.CRD])


@pytest.fixture
async def controller(
    kube: client.KubeClient, namespace: str, source_crds: None, tmp_path: Path
) -> AsyncIterator[daemon.Daemon]:
    """A running controller (in-process) watching only the test's namespace."""
    settings = daemon.Settings(
        storage_path=tmp_path / "storage", storage_addr="127.0.0.1:0",
        health_addr="127.0.0.1:0", metrics_addr="127.0.0.1:0", namespace=namespace,
        concurrent=2, grace=5.0,
    )
    stop = asyncio.Event()
    run = daemon.Daemon(kube, settings)
    await run.startup()
    task = asyncio.create_task(run.main_loop(stop))
    yield run
    stop.set()
    await task
    await run.shutdown()
