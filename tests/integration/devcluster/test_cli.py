"""`tether check --pre` and `tether dev cluster status` against the real dev cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tether.devcluster import cluster

pytestmark = pytest.mark.cluster


def _tether(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tether", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_check_pre_prints_flux_shape(dev_cluster: cluster.ClusterStatus) -> None:
    result = _tether("--kubeconfig", dev_cluster.kubeconfig, "check", "--pre")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "► checking prerequisites",
        "✔ Kubernetes 1.36.3 >=1.30.0-0",
        "✔ prerequisites checks passed",
    ]


def test_check_pre_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = _tether("--kubeconfig", str(missing), "check", "--pre")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1
    assert str(missing) in errors[0]


def test_check_pre_unreachable_names_kubeconfig_and_context(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: abc}}]\n"
        "contexts: [{name: gone, context: {cluster: c, user: u}}]\n"
    )
    result = _tether("--kubeconfig", str(config), "check", "--pre")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1
    assert str(config) in errors[0] and "context gone" in errors[0]
    assert "abc" not in result.stderr  # the token never appears


def test_status_reports_every_component(dev_cluster: cluster.ClusterStatus) -> None:
    result = _tether("dev", "cluster", "status")
    assert result.returncode == 0, result.stdout
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"):
        assert f"✔ {name} running" in result.stdout
