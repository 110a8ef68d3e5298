"""Two controller replicas with leader election: one reconciles; the other takes over."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.gitserver import GitHTTPServer, Repo
from tests.helpers import eventually
from tests.integration.source.test_gitrepository import _gitrepo, _ready_at, _until

from tether.cluster import client
from tether.controller import daemon

pytestmark = pytest.mark.cluster


def _settings(tmp: Path, namespace: str) -> daemon.Settings:
    return daemon.Settings(
        storage_path=tmp, storage_addr="127.0.0.1:0", health_addr="127.0.0.1:0",
        metrics_addr="127.0.0.1:0", namespace=namespace, grace=5.0, leader_election=True,
        leader_election_namespace=namespace, lease_duration=3, renew_deadline=2,
        retry_period=0.3)


async def test_failover(kube: client.KubeClient, namespace: str, source_crds: None,
                        tmp_path: Path) -> None:
    repo = Repo.create(tmp_path / "srv", "app")
    head = repo.commit({"a": "1"}, message="one")
    first = daemon.Daemon(kube, _settings(tmp_path / "one", namespace))
    second = daemon.Daemon(kube, _settings(tmp_path / "two", namespace))
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    run_first = asyncio.create_task(first.run(stop_first))
    await eventually(lambda: _is(first.elector is not None and first.elector.is_leader),
                     timeout=10, what="first replica leads")
    run_second = asyncio.create_task(second.run(stop_second))
    try:
        with GitHTTPServer(tmp_path / "srv") as server:
            await kube.create(_gitrepo("app", namespace, server.url("app")))
            await _until(kube, namespace, "app", "Ready via the leader", _ready_at(head))
            assert second.elector is not None and not second.elector.is_leader
            assert not (tmp_path / "two" / "gitrepository").exists()  # the standby is idle
            stop_first.set()
            await run_first
            newer = repo.commit({"a": "2"}, message="two")
            await eventually(lambda: _is(second.elector is not None
                                         and second.elector.is_leader),
                             timeout=10, what="standby takes over")
            await _until(kube, namespace, "app", "new revision via the new leader",
                         _ready_at(newer), timeout=20)
    finally:
        stop_first.set()
        stop_second.set()
        await asyncio.gather(run_first, run_second, return_exceptions=True)


async def _is(value: bool) -> bool:
    return value
