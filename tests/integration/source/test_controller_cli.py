"""``tether controller run`` as a real process: probes, metrics, JSON logs, SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from tests.gitserver import GitHTTPServer, Repo
from tests.helpers import eventually
from tests.integration.source.test_gitrepository import _cond, _gitrepo, _until

from tether.cluster import client
from tether.devcluster import cluster

pytestmark = pytest.mark.cluster

PASSWORD = "cli-s3cret-passw0rd"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> httpx.Response | None:
    try:
        async with httpx.AsyncClient() as http:
            return await http.get(url)
    except httpx.TransportError:
        return None


async def test_controller_process(
    kube: client.KubeClient, namespace: str, source_crds: None,
    dev_cluster: cluster.ClusterStatus, tmp_path: Path,
) -> None:
    ports = {name: _port() for name in ("storage", "health", "metrics")}
    log_path = tmp_path / "controller.log"
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tether", "--kubeconfig", str(dev_cluster.kubeconfig),
            "--context", cluster.CONTEXT, "-n", namespace, "controller", "run",
            "--watch-namespace-only", "--storage-path", str(tmp_path / "data"),
            "--storage-addr", f"127.0.0.1:{ports['storage']}",
            "--health-addr", f"127.0.0.1:{ports['health']}",
            "--metrics-addr", f"127.0.0.1:{ports['metrics']}", "--concurrent", "3",
            stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        async def ready() -> bool:
            response = await _get(f"http://127.0.0.1:{ports['health']}/readyz")
            return response is not None and response.status_code == 200
        await eventually(ready, timeout=30, what="/readyz")
        repo = Repo.create(tmp_path / "srv", "app")
        head = repo.commit({"a.yaml": "a: 1\n"}, message="one")
        with GitHTTPServer(tmp_path / "srv", username="u", password=PASSWORD) as server:
            await kube.create({"apiVersion": "v1", "kind": "Secret",
                               "metadata": {"name": "auth", "namespace": namespace},
                               "data": {"username": base64.b64encode(b"u").decode(),
                                        "password": base64.b64encode(PASSWORD.encode()).decode()}})
            await kube.create(_gitrepo("app", namespace, server.url("app"),
                                       secretRef={"name": "auth"}))
            obj = await _until(kube, namespace, "app", "Ready",
                               lambda o: _cond(o, "Ready").get("status") == "True")
        assert obj["status"]["artifact"]["revision"] == f"main@sha1:{head}"
        assert obj["status"]["artifact"]["url"].startswith(f"http://127.0.0.1:{ports['storage']}/")
        metrics = await _get(f"http://127.0.0.1:{ports['metrics']}/metrics")
        assert metrics is not None
        assert 'tether_reconcile_total{kind="GitRepository",result="success"}' in metrics.text
        assert "tether_reconcile_duration_seconds_bucket" in metrics.text
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    events: list[Any] = [line["event"] for line in lines]
    assert code == 0
    assert "controller started" in events and events[-1] == "controller stopped"
    assert all({"timestamp", "level", "event"} <= set(line) for line in lines)
    assert PASSWORD not in log_path.read_text()
