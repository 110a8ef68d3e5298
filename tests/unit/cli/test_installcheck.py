"""The full ``tether check`` sections on literal Deployments and CRDs."""

from __future__ import annotations

from typing import Any

from tether.cli import installcheck


def deployment(name: str, *, ready: int, replicas: int = 1) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "generation": 1},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "manager", "image": "ghcr.io/example/tether:v0.1.0"}]}}},
            "status": {"observedGeneration": 1, "replicas": replicas,
                       "updatedReplicas": ready, "readyReplicas": ready,
                       "availableReplicas": ready,
                       "conditions": [{"type": "Available",
                                       "status": "True" if ready else "False"}]}}


def test_ready_controller_and_its_image() -> None:
    lines = installcheck.controller_lines([deployment("tether-controller", ready=1)],
                                          namespace="flux-system")
    assert [str(line) for line in lines] == ["✔ tether-controller: deployment ready",
                                             "► ghcr.io/example/tether:v0.1.0"]
    assert all(line.ok for line in lines)


def test_unready_or_missing_controllers_fail() -> None:
    lines = installcheck.controller_lines([deployment("tether-controller", ready=0)],
                                          namespace="flux-system")
    assert str(lines[0]).startswith("✗ tether-controller: deployment not ready")
    assert not lines[0].ok
    none = installcheck.controller_lines([], namespace="flux-system")
    assert not none[0].ok and "flux-system" in str(none[0])


def test_crd_lines_show_stored_version() -> None:
    crd = {"status": {"storedVersions": ["v1"],
                      "conditions": [{"type": "Established", "status": "True"}]}}
    lines = installcheck.crd_lines({installcheck.CRD_NAMES[0]: crd})
    assert [str(line) for line in lines] == [
        "✔ gitrepositories.source.toolkit.fluxcd.io/v1",
        "✗ kustomizations.kustomize.toolkit.fluxcd.io not found"]
