"""Up/down/status of a second, throw-away dev cluster: idempotence, crash recovery, no leftovers.

Ports are chosen free at start-up, so this cluster runs beside the session's one.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tether import errors
from tether.devcluster import cluster, processes

pytestmark = pytest.mark.cluster


def test_up_reuse_crash_recovery_and_down(tmp_path: Path) -> None:
    layout = cluster.Layout(tmp_path / "dev")
    lines: list[str] = []
    first = cluster.up(layout, progress=lines.append)
    assert first.healthy and first.version == "1.36.3"
    started = cluster.owned_processes(layout)
    assert {p.name for p in started} == {"etcd", "kube-apiserver", "kube-controller-manager",
                                          "kube-scheduler", "kwok"}

    again = cluster.up(layout, progress=lines.append)  # idempotent: same processes reused
    assert again.server == first.server
    assert cluster.owned_processes(layout) == started
    assert any("already running" in line for line in lines)

    apiserver = next(p for p in started if p.name == "kube-apiserver")
    os.killpg(apiserver.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while processes.alive(apiserver) and time.monotonic() < deadline:
        time.sleep(0.1)
    broken = cluster.status(layout)
    assert broken.exists and not broken.healthy
    assert broken.components["kube-apiserver"] is False

    recovered = cluster.up(layout, progress=lines.append)
    assert recovered.healthy
    assert any("stale" in line for line in lines)
    assert all(not processes.alive(p) for p in started)  # old set fully stopped

    survivors = cluster.owned_processes(layout)
    cluster.down(layout)
    assert not layout.root.exists()
    assert all(not processes.alive(p) for p in survivors)
    assert not cluster.status(layout).exists


def test_down_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "not-ours"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(errors.DevClusterError, match="not made by tether"):
        cluster.down(cluster.Layout(foreign))
    assert (foreign / "precious.txt").exists()
