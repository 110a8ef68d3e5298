"""The seed's sequence with the REAL controller: a loopback git server, ``tether controller
run`` watching the test namespace, and the CLI — create, reconcile (with source), get, tree,
trace, diff, events — all with Flux's lines and every row ``True``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.helpers import eventually
from tests.integration.cli.conftest import Cli

from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: {color}
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@dataclass
class Fleet:
    """A pushed work tree served over smart HTTP."""

    url: str
    work: Path

    def commit(self, color: str) -> str:
        (self.work / "apps" / "web.yaml").write_text(CONFIGMAP.format(color=color))
        _git("add", "-A", cwd=self.work)
        _git("commit", "-q", "-m", f"web: {color}", cwd=self.work)
        _git("push", "-q", "origin", "HEAD:main", cwd=self.work)
        return _git("rev-parse", "HEAD", cwd=self.work)


async def _spawn(*argv: str, log: Path) -> asyncio.subprocess.Process:
    handle = log.open("wb")
    return await asyncio.create_subprocess_exec(*argv, stdout=handle, stderr=handle,
                                                env={**os.environ})


async def _stop(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 15)
    except TimeoutError:
        proc.kill()
        await proc.wait()


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[Fleet]:
    """A git server on loopback with ``fleet.git`` and a work tree pushing to it."""
    from tether.demo import gitserver

    root = tmp_path / "git"
    gitserver.init_bare(root, "fleet.git")
    port = _port()
    proc = await _spawn(sys.executable, "-m", "tether.demo.gitserver", "--root", str(root),
                        "--port", str(port), log=tmp_path / "git.log")
    url = f"http://127.0.0.1:{port}/fleet.git"
    work = tmp_path / "work"
    (work / "apps").mkdir(parents=True)
    _git("init", "-q", cwd=work)
    _git("remote", "add", "origin", url, cwd=work)
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        await asyncio.sleep(0.1)
    yield Fleet(url, work)
    await _stop(proc)


@pytest.fixture
async def controller(cli: Cli, tmp_path: Path) -> AsyncIterator[Path]:
    """``tether controller run`` watching only the test namespace; yields its log file."""
    log = tmp_path / "controller.log"
    storage = _port()
    proc = await _spawn(
        sys.executable, "-m", "tether", "--kubeconfig", cli.kubeconfig, "-n", cli.namespace,
        "controller", "run", "--watch-namespace-only", "--storage-path", str(tmp_path / "data"),
        "--storage-addr", f"127.0.0.1:{storage}", "--storage-adv-addr", f"127.0.0.1:{storage}",
        "--health-addr", f"127.0.0.1:{_port()}", "--metrics-addr", f"127.0.0.1:{_port()}",
        log=log)
    yield log
    await _stop(proc)


async def test_seed_sequence_with_the_real_controller(cli: Cli, fleet: Fleet,
                                                      controller: Path) -> None:
    ns = cli.namespace
    sha = fleet.commit("blue")
    r = await cli("create", "source", "git", "flux-system", "--url", fleet.url,
                  "--branch", "main", "--interval", "10m", timeout=60)
    assert r.rc == 0, r.err + controller.read_text()[-2000:]
    assert r.err.splitlines()[-1] == f"✔ fetched revision: main@sha1:{sha}"
    r = await cli("create", "kustomization", "apps", "--source", "flux-system", "--path",
                  "./apps", "--prune", "--target-namespace", ns, "--interval", "10m",
                  timeout=60)
    assert r.rc == 0, r.err + controller.read_text()[-2000:]
    assert r.err.splitlines()[-1] == f"✔ applied revision main@sha1:{sha}"

    new = fleet.commit("green")
    r = await cli("reconcile", "ks", "apps", "--with-source", timeout=60)
    assert r.rc == 0, r.err
    assert r.err.splitlines() == [
        f"► annotating GitRepository flux-system in {ns} namespace",
        "✔ GitRepository annotated", "◎ waiting for GitRepository reconciliation",
        f"✔ fetched revision main@sha1:{new}",
        f"► annotating Kustomization apps in {ns} namespace",
        "✔ Kustomization annotated", "◎ waiting for Kustomization reconciliation",
        f"✔ applied revision main@sha1:{new}"]

    for args in (("get", "sources", "git"), ("get", "kustomization")):
        r = await cli(*args)
        header, *rows = r.out.splitlines()
        assert header.split() == ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]
        assert rows and all(row.split("\t")[3].strip() == "True" for row in rows), r.out
        assert all(f"main@sha1:{new[:8]}" in row for row in rows)

    r = await cli("tree", "ks", "apps")
    assert r.out == f"Kustomization/{ns}/apps\n└── ConfigMap/{ns}/web\n"
    r = await cli("trace", "configmap/web")
    assert "Kustomization:   apps" in r.out and f"URL:             {fleet.url}" in r.out
    r = await cli("diff", "ks", "apps", "--path", str(fleet.work / "apps"))
    assert (r.rc, r.out) == (0, ""), r.err
    (fleet.work / "apps" / "web.yaml").write_text(CONFIGMAP.format(color="red"))
    r = await cli("diff", "ks", "apps", "--path", str(fleet.work / "apps"))
    assert r.rc == 1 and "data.color\n± value change\n- green\n+ red" in r.out
    r = await cli("events", "--for", "Kustomization/apps")
    assert r.rc == 0 and "Kustomization/apps" in r.out
    r = await cli("logs", "--log-file", str(controller))
    assert f"flux-system.{ns} - stored artifact for revision 'main@sha1:{new}'" in r.out


async def test_failure_suspend_resume_delete_with_the_real_controller(
        cli: Cli, fleet: Fleet, controller: Path, kube: KubeClient) -> None:
    ns = cli.namespace
    sha = fleet.commit("blue")
    r = await cli("create", "source", "git", "flux-system", "--url", fleet.url,
                  "--branch", "main", "--interval", "10m", timeout=60)
    assert r.rc == 0, r.err
    r = await cli("create", "ks", "broken", "--source", "flux-system", "--path", "./nope",
                  "--interval", "10m", timeout=60)
    assert r.rc == 1
    assert r.err.splitlines()[-1].startswith("✗ Kustomization reconciliation failed: ")
    assert "nope" in r.err.splitlines()[-1]
    r = await cli("get", "ks", "--status-selector", "ready=false", "--no-header")
    assert [row.split("\t")[0].strip() for row in r.out.splitlines()] == ["broken"]

    r = await cli("create", "ks", "apps", "--source", "flux-system", "--path", "./apps",
                  "--prune", "--target-namespace", ns, "--interval", "10m", timeout=60)
    assert r.rc == 0, r.err
    r = await cli("suspend", "ks", "apps")
    assert r.rc == 0
    r = await cli("reconcile", "ks", "apps")
    assert r.rc == 1 and "resource is suspended" in r.err
    r = await cli("resume", "ks", "apps", timeout=60)
    assert r.rc == 0, r.err
    assert r.err.splitlines()[-1] == f"✔ applied revision main@sha1:{sha}"
    r = await cli("stats")
    rows = {line.split("\t")[0].strip(): [c.strip() for c in line.split("\t")[1:4]]
            for line in r.out.splitlines()[1:]}
    assert rows["Kustomization"] == ["2", "1", "0"]

    assert await kube.get_or_none("v1", "ConfigMap", "web", ns) is not None
    r = await cli("delete", "ks", "apps", "--silent")
    assert r.rc == 0, r.err

    async def pruned() -> bool:
        return await kube.get_or_none("v1", "ConfigMap", "web", ns) is None

    await eventually(pruned, timeout=30, what="the ConfigMap pruned after the delete")
