"""The README's demo, end to end, as a new user runs it: `make demo` → every row True →
`tether demo change` → `tether demo down`.

It runs against its own dev cluster (a separate state directory, free ports), so it
neither disturbs nor depends on the session's cluster, and checks nothing is left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tether.demo import run
from tether.devcluster import cluster, processes

pytestmark = pytest.mark.cluster


def _tether(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tether", *args], capture_output=True,
                          text=True, env=env, timeout=600, check=False)


def _table_rows(output: str, header: str) -> list[list[str]]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 1:]:
        if "\t" not in line:
            break
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def test_demo_up_change_down(tmp_path: Path) -> None:
    env = dict(os.environ, TETHER_DEMO_DIR=str(tmp_path / "demo"),
               TETHER_DEV_CLUSTER_DIR=str(tmp_path / "cluster"))
    repo = Path(__file__).resolve().parents[3]
    up = subprocess.run(["make", "--no-print-directory", "-C", str(repo), "demo"],
                        capture_output=True, text=True, env=env, timeout=900, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "Traceback" not in up.stderr
    assert "✔ Kubernetes 1.36.3 >=1.30.0-0" in up.stdout  # make demo checks prerequisites
    sources = _table_rows(up.stdout, "NAME")
    assert [row[0] for row in sources] == ["flux-system"]
    assert sources[0][3] == "True" and sources[0][4].startswith("stored artifact for revision")
    after_ks = up.stdout[up.stdout.index("$ tether get kustomizations"):]
    kustomizations = _table_rows(after_ks, "NAME")
    assert sorted(row[0] for row in kustomizations) == [
        "apps", "flux-system", "infra-configs", "infra-controllers"]
    assert all(row[3] == "True" for row in kustomizations)
    assert "Next steps:" in up.stdout and "tether demo down" in up.stdout

    change = _tether("demo", "change", env=env)
    assert change.returncode == 0, change.stdout + change.stderr
    assert "image=ghcr.io/stefanprodan/podinfo:6.7.2 replicas=3 ready=3" in change.stdout
    assert "✔ ConfigMap ingress/ingress-config pruned (removed from Git)" in change.stdout

    demo_procs = run.owned_processes(tmp_path / "demo")
    cluster_procs = cluster.owned_processes(cluster.Layout(tmp_path / "cluster"))
    assert len(demo_procs) == 2 and len(cluster_procs) == 5

    down = _tether("demo", "down", env=env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not any(processes.alive(p) for p in demo_procs + cluster_procs)
    assert not (tmp_path / "demo").exists() and not (tmp_path / "cluster").exists()
